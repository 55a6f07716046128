// After the fuzzing, the platform must still do its job for a real device: a bay sensor connects
// with mqtt.js (as device firmware would), reports its bay as the opposite of what the API shows,
// gets its PUBACK, and the API shows the new state.
import mqtt from 'mqtt';
import type { Credentialed } from './payload-phase.ts';

export interface RealDeviceResult { ok: boolean; detail: string; pubackMs?: number; visibleMs?: number }

interface Bay { code: string; occupied: boolean | null }

async function bayState(httpUrl: string, lotId: string, code: string): Promise<boolean | null | undefined> {
  const res = await fetch(`${httpUrl}/api/v1/lots/${encodeURIComponent(lotId)}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET /api/v1/lots/${lotId} answered ${res.status}`);
  const body = (await res.json()) as { bays: Bay[] };
  return body.bays.find((b) => b.code === code)?.occupied;
}

export async function checkRealDevice(mqttUrl: string, httpUrl: string, d: Credentialed & { lotId: string; bayCode: string }): Promise<RealDeviceResult> {
  let client: mqtt.MqttClient | undefined;
  try {
    const before = await bayState(httpUrl, d.lotId, d.bayCode);
    const occupied = before !== true;
    client = await mqtt.connectAsync(mqttUrl, { clientId: d.id, username: d.id, password: d.secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
    const sent = performance.now();
    await client.publishAsync(`devices/${d.id}/events`, JSON.stringify({ type: 'occupancy', seq: Date.now(), ts: new Date().toISOString(), occupied }), { qos: 1 });
    const pubackMs = Math.round(performance.now() - sent);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      if ((await bayState(httpUrl, d.lotId, d.bayCode)) === occupied) {
        return { ok: true, detail: `${d.id} reported bay ${d.bayCode} ${occupied ? 'occupied' : 'free'}; PUBACK and the API agree`, pubackMs, visibleMs: Math.round(performance.now() - sent) };
      }
    }
    return { ok: false, detail: `${d.id} got its PUBACK but bay ${d.bayCode} did not show ${occupied ? 'occupied' : 'free'} within 10 s`, pubackMs };
  } catch (err) {
    return { ok: false, detail: `${d.id}: ${(err as Error).message}` };
  } finally {
    await client?.endAsync().catch(() => {});
  }
}
