// Payloads `npm run fuzz` found that made a group commit fail: every device in that batch lost its
// PUBACK and its connection, and the sender resent its poison forever. Each must now be stored or
// dead-lettered with a reason, and a good message sent in the same batch must be stored.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startTestPlatform, connectDevice, publish, nextSeq, type TestPlatform } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';

let p: TestPlatform;
let sensor: MqttClient, other: MqttClient, gate: MqttClient;
const sensorOf = () => p.device((d) => d.kind === 'bay-sensor' && d.lotId.endsWith('-0003'));
const otherOf = () => p.device((d) => d.kind === 'bay-sensor' && d.lotId.endsWith('-0004'));
const gateOf = () => p.device((d) => d.kind === 'gate-camera');

beforeAll(async () => {
  p = await startTestPlatform();
  [sensor, other, gate] = await Promise.all([connectDevice(p, sensorOf()), connectDevice(p, otherOf()), connectDevice(p, gateOf())]);
});
afterAll(async () => {
  await Promise.all([sensor, other, gate].map((c) => c?.endAsync()));
  await p?.destroy();
});

const now = () => new Date().toISOString();
const lastDead = async (id: string) => (await p.db.pool.query('SELECT reason, payload FROM dead_letters WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [id])).rows[0];
const stored = async (id: string, seq: number) => (await p.db.pool.query('SELECT payload FROM device_events WHERE device_id = $1 AND seq = $2', [id, seq])).rows[0];

/** Publish `poison` from the sensor together with a good message from another device (one batch). */
async function alongsideGood(poison: string) {
  const seq = nextSeq();
  await Promise.all([publish(sensor, eventsTopic(sensorOf().id), poison), publish(other, eventsTopic(otherOf().id), { type: 'heartbeat', seq, ts: now() })]);
  expect(await stored(otherOf().id, seq)).toBeTruthy();
}

describe('payloads that once failed the whole batch', () => {
  it.each([
    ['a NUL escape in an extra field', { note: 'a\u0000b' }],
    ['an unpaired surrogate in an extra field', { note: '\ud800' }],
    ['an unpaired surrogate in a key', { ['\udfff']: 1 }],
  ])('dead-letters %s with a reason (PostgreSQL cannot store it)', async (_what, extra) => {
    await alongsideGood(JSON.stringify({ ...extra, type: 'occupancy', seq: nextSeq(), ts: now(), occupied: true }));
    expect((await lastDead(sensorOf().id)).reason).toMatch(/NUL character .* or an unpaired UTF-16 surrogate/);
  });

  it('dead-letters invalid JSON holding a raw NUL byte, keeping the payload readable', async () => {
    await alongsideGood('{"type":"occupancy","note":"a\u0000b"}');
    const row = await lastDead(sensorOf().id);
    expect(row.reason).toMatch(/not valid JSON/);
    expect(row.payload).toBe('{"type":"occupancy","note":"a\ufffdb"}');
  });

  it('dead-letters an unpaired surrogate in "type", which the reason quotes', async () => {
    await alongsideGood(JSON.stringify({ type: '\ud800', seq: nextSeq(), ts: now() }));
    expect((await lastDead(sensorOf().id)).reason).toMatch(/unpaired UTF-16 surrogate/);
  });

  it('stores a battery reading too small for a PostgreSQL real (rounded to the millivolt)', async () => {
    const seq = nextSeq();
    await alongsideGood(JSON.stringify({ type: 'heartbeat', seq, ts: now(), battery: 4.234786039454586e-277 }));
    expect(await stored(sensorOf().id, seq)).toBeTruthy();
    expect(Number((await p.db.pool.query('SELECT battery FROM devices WHERE id = $1', [sensorOf().id])).rows[0].battery)).toBe(0);
  });

  it('stores a gate read whose confidence is too small for a PostgreSQL real (rounded to thousandths)', async () => {
    const seq = nextSeq();
    const [d] = [gateOf()];
    await Promise.all([
      publish(gate, eventsTopic(d.id), { type: 'gate', seq, ts: now(), direction: 'in', plate: '豫A9F7E1', confidence: 5.5e-283 }),
      publish(other, eventsTopic(otherOf().id), { type: 'heartbeat', seq: nextSeq(), ts: now() }),
    ]);
    expect((await stored(d.id, seq)).payload.confidence).toBe(0);
  });
});
