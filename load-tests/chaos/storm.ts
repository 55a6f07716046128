// Scenario 5 — a reconnect storm. Every device connects at the same moment (a city's network came
// back), each publishes one heartbeat; then every connection drops at once and every device
// reconnects at once again. Devices behave as firmware does: a refused or timed-out CONNECT is
// retried after 1–3 s (jittered), until 120 s. Meanwhile a map client keeps asking for the lots
// (GET /api/v1/lots every 200 ms) — the platform must keep serving HTTP through the storm.
import { RawMqttClient } from '../lib/raw-mqtt.ts';
import { summarize } from '../lib/stats.ts';
import { result, sleep, type Device, type Figure, type Harness, type Platform, type ScenarioResult } from './harness.ts';

const GIVE_UP_MS = 120_000;

interface Wave { allConnectedS: number | null; allPublishedS: number | null; connected: number; firstTryFailures: number; attempts: number; clients: RawMqttClient[] }

/** Every device connects now (retrying as firmware does), then publishes one heartbeat. */
async function wave(mqttUrl: string, devices: Device[]): Promise<Wave> {
  const t0 = Date.now();
  let firstTryFailures = 0;
  let attempts = 0;
  let lastConnect = 0;
  let lastAck = 0;
  let seq = Date.now() * 10;
  const one = async (d: Device): Promise<RawMqttClient | null> => {
    for (let attempt = 1; Date.now() - t0 < GIVE_UP_MS; attempt++) {
      attempts++;
      try {
        const c = await RawMqttClient.connect(mqttUrl, { clientId: d.id, username: d.id, password: d.secret, keepalive: 60, connectTimeout: 10_000 });
        lastConnect = Date.now();
        await new Promise<void>((resolve, reject) => c.publish(`devices/${d.id}/events`, JSON.stringify({ type: 'heartbeat', seq: ++seq, ts: new Date().toISOString() }), (err) => (err ? reject(err) : resolve())));
        lastAck = Date.now();
        return c;
      } catch {
        if (attempt === 1) firstTryFailures++;
        await sleep(1000 + Math.random() * 2000);
      }
    }
    return null;
  };
  const clients = (await Promise.all(devices.map(one))).filter((c): c is RawMqttClient => c !== null);
  const all = clients.length === devices.length;
  return {
    allConnectedS: all ? (lastConnect - t0) / 1000 : null, allPublishedS: all ? (lastAck - t0) / 1000 : null,
    connected: clients.length, firstTryFailures, attempts, clients,
  };
}

/** A map client during the storm: latencies of GET /api/v1/lots and the answers that were not 200. */
function httpProbe(url: string) {
  const ms: number[] = [];
  let failures = 0;
  let on = true;
  const done = (async () => {
    while (on) {
      const t = performance.now();
      const ok = await fetch(`${url}/api/v1/lots`, { signal: AbortSignal.timeout(5000) }).then(async (r) => { await r.arrayBuffer(); return r.ok; }, () => false);
      if (ok) ms.push(performance.now() - t); else failures++;
      await sleep(200);
    }
  })();
  return { stop: async () => { on = false; await done; return { ms: summarize(ms), failures, requests: ms.length + failures }; } };
}

export async function stormScenario(h: Harness, platform: Platform, o: { devices: number }): Promise<ScenarioResult> {
  const devices = h.devices.slice(0, o.devices);
  const figures: Figure[] = [{ name: 'devices', value: devices.length }];
  const probe = httpProbe(platform.httpUrl);
  h.log(`storm: ${devices.length} devices connect at once`);
  const first = await wave(platform.mqttUrl, devices);
  h.log(`storm: all drop at once and reconnect at once`);
  await Promise.all(first.clients.map((c) => c.end(true)));
  const second = await wave(platform.mqttUrl, devices);
  const http = await probe.stop();
  await Promise.all(second.clients.map((c) => c.end()));
  for (const [label, w] of [['connect', first], ['reconnect', second]] as const) {
    figures.push(
      { name: `${label}: all connected after`, value: w.allConnectedS ?? `never (${w.connected} of ${devices.length})`, unit: w.allConnectedS === null ? undefined : 's', pass: w.allConnectedS !== null, want: `all within ${GIVE_UP_MS / 1000} s` },
      { name: `${label}: all published and acknowledged after`, value: w.allPublishedS ?? 'never', unit: w.allPublishedS === null ? undefined : 's' },
      { name: `${label}: first CONNECTs that failed`, value: w.firstTryFailures },
      { name: `${label}: CONNECT attempts in all`, value: w.attempts },
    );
  }
  figures.push(
    { name: 'HTTP during the storm: GET /api/v1/lots p50 / p99 / max', value: `${http.ms.p50.toFixed(0)} / ${http.ms.p99.toFixed(0)} / ${http.ms.max.toFixed(0)}`, unit: 'ms' },
    { name: 'HTTP answers not 200 (or > 5 s)', value: `${http.failures} of ${http.requests}`, pass: http.failures === 0 && http.requests > 0, want: '0' },
  );
  return result('reconnect storm', figures);
}
