// Operators' devices over real HTTP, real TCP MQTT and the real database: register (the secret is
// shown once and works), the device's page (last message, battery, firmware, events, dead letters),
// CSV import with a per-row report, and the rotation rule: the old secret is refused and its live
// connection closed; the new one works. Disabling closes and refuses too.
import type { MqttClient } from 'mqtt';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connectDevice, nextSeq, publish, waitFor } from './helpers.ts';
import { client, STREET, startEstate, type Estate } from './estate-helpers.ts';

let e: Estate;
let api: ReturnType<typeof client>;
let lotId: string;
const ts = () => new Date().toISOString();
const closed = (c: MqttClient) => new Promise<void>((resolve) => { if (!c.connected) resolve(); else c.once('close', () => resolve()); });

beforeAll(async () => {
  e = await startEstate();
  api = client(e.p);
  lotId = (await api(e.zz, 'POST', '/lots', { ...STREET, published: true })).body.id;
  await api(e.zz, 'POST', `/lots/${lotId}/bays`, { pattern: `${lotId}-{01..06}` });
}, 180_000);
afterAll(async () => { await e?.p.destroy(); });

describe('registering a device', () => {
  it('returns the secret once, which connects; the device page shows its last message, battery, firmware, events and dead letters', async () => {
    const reg = await api(e.zz, 'POST', '/devices', { id: `sen-${lotId}-01`, kind: 'bay-sensor', bayCode: `${lotId}-01` });
    expect(reg.status).toBe(201);
    expect(reg.body.device).toMatchObject({ id: `sen-${lotId}-01`, kind: 'bay-sensor', lotId, bayCode: `${lotId}-01`, enabled: true, lastSeen: null });
    expect(reg.body.secret).toMatch(/^[\w-]{20,}$/);
    const stored = (await e.p.db.pool.query(`SELECT secret_hash, operator_id FROM devices WHERE id = $1`, [reg.body.device.id])).rows[0];
    expect(stored.operator_id).toBe('op-zzpark');
    expect(stored.secret_hash).not.toContain(reg.body.secret);

    const c = await connectDevice(e.p, { id: reg.body.device.id, secret: reg.body.secret });
    const topic = `devices/${reg.body.device.id}/events`;
    await publish(c, topic, { type: 'heartbeat', seq: nextSeq(), ts: ts(), battery: 3.55, firmware: 'v2.4.1' });
    await publish(c, topic, { type: 'occupancy', seq: nextSeq(), ts: ts(), occupied: true });
    await publish(c, topic, { type: 'gate', seq: nextSeq(), ts: ts(), direction: 'in', plate: '豫A12345' });
    c.end(true);

    const page = await waitFor(async () => { const d = (await api(e.zz, 'GET', `/devices/${reg.body.device.id}`)).body; return d.events?.length === 2 && d.deadLetters.length === 1 && d; }, 3000, 'the device page');
    expect(page.firmware).toBe('v2.4.1');
    expect(page.device.battery).toBeCloseTo(3.55, 2);
    expect(page.device.lastSeen).not.toBeNull();
    expect(page.lastMessage).toMatchObject({ type: 'occupancy', bayCode: `${lotId}-01`, payload: { occupied: true } });
    expect(page.events.map((x: { type: string }) => x.type)).toEqual(['occupancy', 'heartbeat']);
    expect(page.deadLetters[0]).toMatchObject({ code: 'unknown_type', reason: expect.stringMatching(/may not send type "gate"/) });
    // The sensor's report reached the public lot page.
    const bay = (await fetch(`${e.p.httpUrl}/api/v1/lots/${lotId}`).then((r) => r.json())).bays.find((b: { code: string }) => b.code === `${lotId}-01`);
    expect(bay.occupied).toBe(true);
  });

  it('refuses what a kind cannot watch, and an id already used', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ id: 'cam-x1', kind: 'bay-camera', lotId }, /needs bays/],
      [{ id: 'cam-x2', kind: 'bay-camera', lotId, bays: [`${lotId}-02`, 'NOPE-1'] }, /NOPE-1 are not bays in service/],
      [{ id: 'sen-x3', kind: 'bay-sensor', bayCode: `${lotId}-02`, lane: 'in' }, /takes no lane/],
      [{ id: 'gate-x4', kind: 'gate-camera' }, /needs lotId/],
      [{ id: 'sen-x5', kind: 'bay-sensor', bayCode: `${lotId}-02`, gatewayId: 'gw-none' }, /not one of your gateways/],
    ];
    for (const [body, message] of cases) {
      const r = await api(e.zz, 'POST', '/devices', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.message).toMatch(message);
    }
    expect((await api(e.zz, 'POST', '/devices', { id: `sen-${lotId}-01`, kind: 'bay-sensor', bayCode: `${lotId}-02` })).status).toBe(409);
  });

  it('imports devices from a CSV: secrets for those created, a reason for each refused row', async () => {
    const csv = [
      'id,kind,lot_id,bay_code,bays,lane,gateway_id',
      `sen-${lotId}-03,bay-sensor,,${lotId}-03,,,gw-${lotId}`,
      `cam-${lotId},bay-camera,${lotId},,${lotId}-04;${lotId}-05,,`,
      `gw-${lotId},gateway,${lotId},,,,`,
      `sen-${lotId}-01,bay-sensor,,${lotId}-02,,,`,
      `x,bay-sensor,,${lotId}-06,,,`,
      `sen-${lotId}-06,toaster,,,,,`,
    ].join('\n');
    const r = await api(e.zz, 'POST', '/devices/csv', { csv });
    expect(r.status).toBe(200);
    expect(r.body.created.map((d: { id: string }) => d.id).sort()).toEqual([`cam-${lotId}`, `gw-${lotId}`, `sen-${lotId}-03`].sort());
    expect(r.body.refused.map((x: { row: number }) => x.row)).toEqual([5, 6, 7]);
    expect(r.body.refused[0].reason).toMatch(/exists already/);
    expect(r.body.refused[0].why).toBe('ONELOT_ERR_CONFLICT');
    expect(r.body.refused[1]).toMatchObject({ why: 'invalid-field', field: 'id', reason: expect.stringMatching(/^id:/) });
    expect(r.body.refused[2]).toMatchObject({ why: 'invalid-field', field: 'kind', reason: expect.stringMatching(/^kind:/) });
    const list = (await api(e.zz, 'GET', `/devices?lotId=${lotId}`)).body.devices;
    expect(list.find((d: { id: string }) => d.id === `cam-${lotId}`).bays).toEqual([`${lotId}-04`, `${lotId}-05`]);
    expect(list.find((d: { id: string }) => d.id === `sen-${lotId}-03`).gatewayId).toBe(`gw-${lotId}`);
    // The imported camera's secret connects.
    const cam = r.body.created.find((d: { id: string }) => d.id === `cam-${lotId}`);
    (await connectDevice(e.p, cam)).end(true);
  });

  it('pages the list in id order: each page starts after the last one\'s `next`, the last page says null, none repeats or is skipped', async () => {
    const all = (await api(e.zz, 'GET', `/devices?lotId=${lotId}`)).body;
    expect(all.devices.length).toBeGreaterThan(3);
    expect(all.next).toBeNull();
    const ids: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const r = await api(e.zz, 'GET', `/devices?lotId=${lotId}&limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.devices.length).toBeLessThanOrEqual(2);
      ids.push(...r.body.devices.map((d: { id: string }) => d.id));
      after = r.body.next;
      if (!after) break;
      expect(after).toBe(ids[ids.length - 1]);
    }
    expect(ids).toEqual(all.devices.map((d: { id: string }) => d.id));
    expect([...ids].sort()).toEqual(ids);
    expect((await api(e.zz, 'GET', '/devices?limit=0')).status).toBe(400);
    // Another tenant's paging never reaches this tenant's devices.
    expect((await api(e.other, 'GET', `/devices?limit=1000&after=${encodeURIComponent(ids[0])}`)).body.devices.some((d: { id: string }) => ids.includes(d.id))).toBe(false);
  });
});

describe('rotation and disabling over real MQTT', () => {
  it('Rotation: the old secret is refused and its live connection closed; the new one works', async () => {
    const id = `sen-${lotId}-02`;
    const { secret: oldSecret } = (await api(e.zz, 'POST', '/devices', { id, kind: 'bay-sensor', bayCode: `${lotId}-02` })).body;
    const live = await connectDevice(e.p, { id, secret: oldSecret });
    await publish(live, `devices/${id}/events`, { type: 'heartbeat', seq: nextSeq(), ts: ts() });
    const gone = closed(live);

    const rotated = await api(e.zz, 'POST', `/devices/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(oldSecret);
    await gone; // the broker closed the connection made with the old secret
    live.end(true);

    await expect(connectDevice(e.p, { id, secret: oldSecret })).rejects.toThrow(/Not authorized/i);
    const renewed = await connectDevice(e.p, { id, secret: rotated.body.secret });
    await publish(renewed, `devices/${id}/events`, { type: 'occupancy', seq: nextSeq(), ts: ts(), occupied: false });
    renewed.end(true);
    // Another tenant cannot rotate it (404), and the new secret still works after that attempt.
    expect((await api(e.other, 'POST', `/devices/${id}/rotate-secret`)).status).toBe(404);
    (await connectDevice(e.p, { id, secret: rotated.body.secret })).end(true);
  });

  it('disabling closes the live connection and refuses the next; enabling lets it back in', async () => {
    const id = `sen-${lotId}-06`;
    const { secret } = (await api(e.zz, 'POST', '/devices', { id, kind: 'bay-sensor', bayCode: `${lotId}-06` })).body;
    const live = await connectDevice(e.p, { id, secret });
    const gone = closed(live);
    expect((await api(e.zz, 'POST', `/devices/${id}/disable`)).body.enabled).toBe(false);
    await gone;
    live.end(true);
    await expect(connectDevice(e.p, { id, secret })).rejects.toThrow(/Not authorized/i);
    expect((await api(e.zz, 'POST', `/devices/${id}/enable`)).body.enabled).toBe(true);
    (await connectDevice(e.p, { id, secret })).end(true);
    const logged = (await api(e.zz, 'GET', '/audit?action=device.')).body.entries.filter((x: { objectId: string }) => x.objectId === id).reverse();
    expect(logged.map((x: { action: string }) => x.action)).toEqual(['device.register', 'device.disable', 'device.enable']);
    expect([logged[1].before.enabled, logged[1].after.enabled]).toEqual([true, false]);
    expect(JSON.stringify(logged)).not.toContain(secret);
  });
});
