// Scenario 1 — kill -9 at full ingest. Devices publish QoS 1 heartbeats as fast as PUBACKs come
// back; at a seeded moment the platform gets SIGKILL. It restarts on the same data directory and
// ports; the devices reconnect and resend what was never acknowledged, byte for byte, as MQTT
// devices do. The durability rule (ingest/broker.ts: a PUBACK means committed) says:
// - every message acknowledged before the kill is stored (0 lost);
// - every (device, seq) is stored once, whether its first copy committed before the kill or not
//   (0 stored twice);
// - after the resend, every message sent is stored.
import { Fleet, storedCounts } from './publishers.ts';
import { result, sleep, until, type Harness, type Platform, type ScenarioResult } from './harness.ts';

/** The kill comes after `killAfterMs`, or (when given) once `killAtAcked` messages are acknowledged: the platform's own PUBACKs, not a guess at how fast it runs. */
export interface IngestKillOptions { devices: number; window: number; killAfterMs: number; killAtAcked?: number }

export async function ingestKill(h: Harness, platform: Platform, o: IngestKillOptions): Promise<{ result: ScenarioResult; platform: Platform }> {
  const devices = h.devices.slice(0, o.devices);
  const fleet = new Fleet(platform.mqttUrl, devices);
  const connected = await fleet.connect();
  let killed = false;
  const running = fleet.run(o.window, () => killed);
  if (o.killAtAcked !== undefined) await until(() => fleet.acked.size >= o.killAtAcked!, 60_000, 10);
  else await sleep(o.killAfterMs);
  const ackedBeforeKill = fleet.acked.size;
  h.log(`ingest-kill: ${connected} devices, ${ackedBeforeKill} acknowledged; kill -9 the platform (pid ${platform.pid})`);
  killed = true;
  await h.kill9(platform);
  await running;
  const acked = new Set(fleet.acked); // what the broker promised before it died
  const inFlight = fleet.sent.size - acked.size;

  const t0 = Date.now();
  const restarted = await h.start();
  const restartS = (Date.now() - t0) / 1000;
  const again = fleet.reconnectingTo(restarted.mqttUrl);
  await again.connect();
  const resend = await again.resendUnacked();
  await again.close();

  const stored = await storedCounts(restarted.db, devices.map((d) => d.id));
  let lost = 0;
  for (const k of acked) if (!stored.has(k)) lost++;
  const twice = [...stored.values()].filter((n) => n > 1).length;
  const missingAfterResend = [...fleet.sent.keys()].filter((k) => !stored.has(k)).length;
  h.log(`ingest-kill: restarted in ${restartS.toFixed(1)} s; ${resend.resent} resent, ${lost} lost, ${twice} stored twice`);
  return {
    platform: restarted,
    result: result('kill -9 at full ingest', [
      { name: 'devices publishing', value: connected },
      { name: 'acknowledged before the kill', value: acked.size, pass: acked.size > 0, want: '> 0' },
      { name: 'in flight at the kill (sent, no PUBACK)', value: inFlight },
      { name: 'acknowledged but not stored', value: lost, pass: lost === 0, want: '0' },
      { name: '(device, seq) stored twice', value: twice, pass: twice === 0, want: '0' },
      { name: 'resent after restart', value: resend.resent },
      { name: 'sent but not stored after resend', value: missingAfterResend, pass: missingAfterResend === 0, want: '0' },
      { name: 'restart to healthy', value: Number(restartS.toFixed(1)), unit: 's' },
    ]),
  };
}
