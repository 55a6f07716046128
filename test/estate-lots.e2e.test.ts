// Operators' lots and bays over real HTTP on a real database: create, publish, edit, retire; bays by
// pattern and by CSV with the per-row report; and tenancy — another tenant's lot or bay answers 404
// exactly like one that does not exist, and changes nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { getJson, waitFor } from './helpers.ts';
import { client, GARAGE, STREET, startEstate, type Estate } from './estate-helpers.ts';

let e: Estate;
let api: ReturnType<typeof client>;
const publicIds = async () => new Set((await getJson(e.p, '/api/v1/lots')).body.lots.map((l: { id: string }) => l.id));

beforeAll(async () => {
  e = await startEstate();
  api = client(e.p);
}, 180_000);
afterAll(async () => { await e?.p.destroy(); });

describe('lots', () => {
  it('creates a garage unpublished, publishes it to the public map, edits it, and retires it off the map', async () => {
    const created = await api(e.zz, 'POST', '/lots', { ...GARAGE, id: 'ZZ-TEST-0001' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'ZZ-TEST-0001', operatorId: 'op-zzpark', published: false, retiredAt: null, accessibleBays: 2, evBays: 4, bays: 0, path: null });
    expect((await publicIds()).has('ZZ-TEST-0001')).toBe(false);
    expect((await getJson(e.p, '/api/v1/lots/ZZ-TEST-0001')).status).toBe(404);

    expect((await api(e.zz, 'PATCH', '/lots/ZZ-TEST-0001', { published: true, nameEn: 'Test Garage North' })).body).toMatchObject({ published: true, nameEn: 'Test Garage North' });
    await waitFor(async () => (await publicIds()).has('ZZ-TEST-0001'), 2000, 'the published lot on the public map');
    expect((await getJson(e.p, '/api/v1/lots/ZZ-TEST-0001')).body.lot.nameEn).toBe('Test Garage North');

    const listed = await api(e.zz, 'GET', '/lots?q=garage%20north');
    expect(listed.body.lots.map((l: { id: string }) => l.id)).toEqual(['ZZ-TEST-0001']);

    const retired = await api(e.zz, 'POST', '/lots/ZZ-TEST-0001/retire');
    expect(retired.status).toBe(200);
    expect(retired.body.lot).toMatchObject({ published: false });
    expect(retired.body.lot.retiredAt).not.toBeNull();
    await waitFor(async () => !(await publicIds()).has('ZZ-TEST-0001'), 2000, 'the retired lot off the map');
    expect((await api(e.zz, 'GET', '/lots')).body.lots.some((l: { id: string }) => l.id === 'ZZ-TEST-0001')).toBe(false);
    expect((await api(e.zz, 'GET', '/lots?retired=true')).body.lots.some((l: { id: string }) => l.id === 'ZZ-TEST-0001')).toBe(true);
    expect((await api(e.zz, 'PATCH', '/lots/ZZ-TEST-0001', { name: 'x' })).status).toBe(409);
    // Each change in the audit log, by whom, before and after; the refused edit changed nothing and is not there.
    const logged = (await api(e.zz, 'GET', '/audit?action=lot.')).body.entries.filter((x: { objectId: string }) => x.objectId === 'ZZ-TEST-0001').reverse();
    expect(logged.map((x: { action: string; accountId: string }) => `${x.action} by ${x.accountId}`)).toEqual(['lot.create by op-zzpark', 'lot.update by op-zzpark', 'lot.retire by op-zzpark']);
    expect(logged[1].before).toMatchObject({ published: false, nameEn: GARAGE.nameEn });
    expect(logged[1].after).toMatchObject({ published: true, nameEn: 'Test Garage North' });
  });

  it('draws a street segment as a polyline, its point on the path; refuses a street without one and a bad time zone', async () => {
    const street = await api(e.zz, 'POST', '/lots', { ...STREET, published: true });
    expect(street.status).toBe(201);
    expect(street.body.id).toMatch(/^L-[0-9A-F]{10}$/);
    expect(street.body.path).toEqual(STREET.path);
    expect([street.body.lng, street.body.lat]).toEqual(STREET.path[1]);
    await waitFor(async () => (await publicIds()).has(street.body.id), 2000, 'the street on the map');
    expect((await getJson(e.p, `/api/v1/lots/${street.body.id}`)).body.lot.path).toEqual(STREET.path);

    const noPath = await api(e.zz, 'POST', '/lots', { ...STREET, path: undefined });
    expect(noPath.status).toBe(400);
    expect(noPath.body.error.message).toMatch(/street segment needs `path`/);
    const badZone = await api(e.zz, 'POST', '/lots', { ...GARAGE, timeZone: 'Mars/Olympus' });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.message).toMatch(/not an IANA time zone/);
    const dup = await api(e.zz, 'POST', '/lots', { ...GARAGE, id: street.body.id });
    expect(dup.status).toBe(409);
  });
});

describe('bays', () => {
  let lotId: string;
  beforeAll(async () => {
    lotId = (await api(e.zz, 'POST', '/lots', { ...STREET, published: true })).body.id;
    await waitFor(async () => (await publicIds()).has(lotId), 2000, 'the lot on the map');
  });

  it('adds bays by a pattern, spread along the street, counted unknown on the public map; refuses codes already used', async () => {
    const added = await api(e.zz, 'POST', `/lots/${lotId}/bays`, { pattern: `${lotId}-{001..005}`, evCharging: true });
    expect(added.status).toBe(200);
    expect(added.body.created).toEqual([1, 2, 3, 4, 5].map((n) => `${lotId}-00${n}`));
    expect(added.body.refused).toEqual([]);
    const detail = await waitFor(async () => { const d = (await getJson(e.p, `/api/v1/lots/${lotId}`)).body; return d.bays.length === 5 && d.lot.unknown === 5 && d.lot.capacity === 5 && d; }, 2000, 'bays on the lot page');
    expect(detail.lot.capacity).toBe(5);
    expect(detail.bays.every((b: { evCharging: boolean; lng: number }) => b.evCharging && b.lng > 113.659 && b.lng < 113.663)).toBe(true);

    const seeded = (await e.p.db.pool.query<{ code: string }>(`SELECT b.code FROM bays b JOIN lots l ON l.id = b.lot_id WHERE l.operator_id = 'op-private' LIMIT 1`)).rows[0].code;
    const again = await api(e.zz, 'POST', `/lots/${lotId}/bays`, { pattern: `${lotId}-{nnn}`, count: 6 });
    expect(again.body.created).toEqual([`${lotId}-006`]);
    expect(again.body.refused).toHaveLength(5);
    expect(again.body.refused[0]).toEqual({ row: 1, code: `${lotId}-001`, why: 'bay-here', reason: 'this lot has the bay already' });
    const csv = ['code,accessible,ev_charging', `${lotId}-A1,yes,no`, `${seeded},no,no`, 'bad code!,no,no', `${lotId}-A2,maybe,no`, `${lotId}-A1,no,no`, `${lotId}-A3,1,1`].join('\n');
    const fromCsv = await api(e.zz, 'POST', `/lots/${lotId}/bays/csv`, { csv });
    expect(fromCsv.body.created).toEqual([`${lotId}-A1`, `${lotId}-A3`]);
    expect(fromCsv.body.refused.map((r: { row: number; why: string; field?: string; reason: string }) => [r.row, r.why, r.field, r.reason])).toEqual([
      [3, 'bay-taken', undefined, 'the code is taken: bay codes are unique city-wide'],
      [4, 'bad-code', undefined, 'the code must be 1–64 letters, digits, dots, dashes or underscores'],
      [5, 'bad-flag', 'accessible', 'accessible "maybe" is not yes/no'],
      [6, 'duplicate', undefined, 'the code appears twice in this request'],
    ]);
    const a1 = (await api(e.zz, 'GET', `/lots/${lotId}/bays`)).body.bays.find((b: { code: string }) => b.code === `${lotId}-A1`);
    expect(a1).toMatchObject({ accessible: true, evCharging: false, occupied: null, retiredAt: null, devices: [] });
    expect((await api(e.zz, 'POST', `/lots/${lotId}/bays`, { pattern: 'A-{9..1}' })).status).toBe(400);
  });

  it('edits a bay\'s flags and retires it off the public lot page and out of the counts', async () => {
    const code = `${lotId}-002`;
    expect((await api(e.zz, 'PATCH', `/bays/${code}`, { accessible: true })).body).toMatchObject({ code, accessible: true, evCharging: true });
    const before = (await getJson(e.p, `/api/v1/lots/${lotId}`)).body.lot.unknown;
    expect((await api(e.zz, 'POST', `/bays/${code}/retire`)).body.retiredAt).not.toBeNull();
    const after = await waitFor(async () => { const d = (await getJson(e.p, `/api/v1/lots/${lotId}`)).body; return d.lot.unknown === before - 1 && d; }, 2000, 'the count without the bay');
    expect(after.bays.some((b: { code: string }) => b.code === code)).toBe(false);
    expect((await api(e.zz, 'PATCH', `/bays/${code}`, { accessible: false })).status).toBe(409);
  });

  it('pages a lot\'s bays in code order, each bay with the devices watching it', async () => {
    const all = (await api(e.zz, 'GET', `/lots/${lotId}/bays`)).body;
    expect(all.next).toBeNull();
    const first = (await api(e.zz, 'GET', `/lots/${lotId}/bays?limit=3`)).body;
    expect(first.bays.map((b: { code: string }) => b.code)).toEqual(all.bays.slice(0, 3).map((b: { code: string }) => b.code));
    expect(first.next).toBe(first.bays[2].code);
    const rest = (await api(e.zz, 'GET', `/lots/${lotId}/bays?limit=2000&after=${encodeURIComponent(first.next)}`)).body;
    expect([...first.bays, ...rest.bays]).toEqual(all.bays);
    expect(rest.next).toBeNull();
    // The sensor in a bay and a camera watching it are both listed (two index lookups, migrations/022).
    const [a, b] = all.bays.filter((x: { retiredAt: string | null }) => !x.retiredAt).map((x: { code: string }) => x.code);
    expect((await api(e.zz, 'POST', '/devices', { id: `sen-pg-${lotId}`, kind: 'bay-sensor', bayCode: a })).status).toBe(201);
    expect((await api(e.zz, 'POST', '/devices', { id: `cam-pg-${lotId}`, kind: 'bay-camera', lotId, bays: [a, b] })).status).toBe(201);
    const watched = new Map((await api(e.zz, 'GET', `/lots/${lotId}/bays`)).body.bays.map((x: { code: string; devices: string[] }) => [x.code, x.devices]));
    expect([watched.get(a), watched.get(b)]).toEqual([[`cam-pg-${lotId}`, `sen-pg-${lotId}`], [`cam-pg-${lotId}`]]);
    await api(e.zz, 'POST', `/devices/sen-pg-${lotId}/disable`);
    await api(e.zz, 'POST', `/devices/cam-pg-${lotId}/disable`);
  });

  it('refuses to retire a bay an enabled device watches, and says what to do', async () => {
    const code = `${lotId}-003`;
    expect((await api(e.zz, 'POST', '/devices', { id: `sen-${code}`, kind: 'bay-sensor', bayCode: code })).status).toBe(201);
    const refused = await api(e.zz, 'POST', `/bays/${code}/retire`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/disable or reassign/);
  });
});

describe('tenancy', () => {
  it('answers another tenant\'s lot, bays, bay and device with 404 as if they did not exist, and changes nothing', async () => {
    const lot = (await api(e.zz, 'POST', '/lots', { ...GARAGE, id: 'ZZ-TEST-0002' })).body;
    await api(e.zz, 'POST', `/lots/${lot.id}/bays`, { pattern: 'ZZ-TEST-0002-{01..02}' });
    await api(e.zz, 'POST', '/devices', { id: 'gate-ZZ-TEST-0002', kind: 'gate-camera', lotId: lot.id, lane: 'in-1' });
    const snapshot = async () => (await e.p.db.pool.query(
      `SELECT (SELECT row_to_json(l) FROM lots l WHERE id = 'ZZ-TEST-0002') AS lot, (SELECT json_agg(b ORDER BY code) FROM bays b WHERE lot_id = 'ZZ-TEST-0002') AS bays,
              (SELECT row_to_json(d) FROM devices d WHERE id = 'gate-ZZ-TEST-0002') AS device`)).rows[0];
    const before = await snapshot();
    const missing = { status: 404, code: 'ONELOT_ERR_NOT_FOUND' };
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', '/lots/ZZ-TEST-0002'], ['PATCH', '/lots/ZZ-TEST-0002', { published: true }], ['POST', '/lots/ZZ-TEST-0002/retire'],
      ['GET', '/lots/ZZ-TEST-0002/bays'], ['POST', '/lots/ZZ-TEST-0002/bays', { pattern: 'X-{1..2}' }], ['POST', '/lots/ZZ-TEST-0002/bays/csv', { csv: 'code\nX-9' }],
      ['PATCH', '/bays/ZZ-TEST-0002-01', { accessible: true }], ['POST', '/bays/ZZ-TEST-0002-01/retire'],
      ['GET', '/devices/gate-ZZ-TEST-0002'], ['POST', '/devices/gate-ZZ-TEST-0002/rotate-secret'], ['POST', '/devices/gate-ZZ-TEST-0002/disable'], ['POST', '/devices/gate-ZZ-TEST-0002/enable'],
    ];
    for (const [method, url, body] of attempts) {
      const theirs = await api(e.other, method, url, body);
      const nobodys = await api(e.other, method, url.replace(/ZZ-TEST-0002/g, 'NO-SUCH-LOT'), body);
      expect({ status: theirs.status, code: theirs.body.error?.code }, `${method} ${url}`).toEqual(missing);
      expect(theirs.body.error.message.replace(/ZZ-TEST-0002(-01)?/, '?')).toBe(nobodys.body.error.message.replace(/NO-SUCH-LOT(-01)?/, '?'));
    }
    expect((await api(e.other, 'GET', '/lots?q=ZZ-TEST')).body.lots).toEqual([]);
    expect((await api(e.other, 'GET', '/devices?q=ZZ-TEST')).body.devices).toEqual([]);
    // Registering a device on another tenant's lot or bay is refused as if they did not exist.
    const onTheirs = await api(e.other, 'POST', '/devices', { id: 'sen-sneaky', kind: 'bay-sensor', bayCode: 'ZZ-TEST-0002-01' });
    expect(onTheirs.status).toBe(400);
    expect(onTheirs.body.error.message).toMatch(/not one of your bays/);
    expect(await snapshot()).toEqual(before);
    // The owner still sees it all; its own lots list holds only its lots.
    expect((await api(e.zz, 'GET', '/lots/ZZ-TEST-0002')).status).toBe(200);
    expect((await api(e.other, 'GET', '/lots')).body.lots.every((l: { operatorId: string }) => l.operatorId === 'op-private')).toBe(true);
  });

  it('needs an operator token for every estate route', async () => {
    for (const [method, url] of [['GET', '/lots'], ['POST', '/lots'], ['GET', '/devices'], ['POST', '/devices/x/rotate-secret']]) {
      expect((await api(null, method, url, method === 'POST' ? {} : undefined)).status).toBe(401);
    }
  });
});

describe('roles', () => {
  it('city reads every tenant\'s lots and devices but changes nothing; staff reads its own tenant\'s and changes nothing', async () => {
    const cityLots = (await api(e.city, 'GET', '/lots')).body.lots as Array<{ operatorId: string }>;
    expect(new Set(cityLots.map((l) => l.operatorId))).toEqual(new Set(['op-zzpark', 'op-private']));
    const staffLots = (await api(e.staff, 'GET', '/lots')).body.lots as Array<{ id: string; operatorId: string }>;
    expect(staffLots.length).toBeGreaterThan(0);
    expect(staffLots.every((l) => l.operatorId === 'op-zzpark')).toBe(true);
    const lot = staffLots[0].id;
    expect((await api(e.staff, 'GET', `/lots/${lot}/bays`)).status).toBe(200);
    expect((await api(e.city, 'GET', `/lots/${lot}`)).status).toBe(200);
    const before = (await e.p.db.pool.query('SELECT count(*)::int AS lots, (SELECT count(*)::int FROM devices) AS devices FROM lots')).rows[0];
    for (const token of [e.city, e.staff]) {
      for (const [method, url, body] of [
        ['POST', '/lots', { ...GARAGE }], ['PATCH', `/lots/${lot}`, { name: '改名' }], ['POST', `/lots/${lot}/retire`],
        ['POST', `/lots/${lot}/bays`, { pattern: 'R-{1..2}' }], ['POST', '/devices', { id: 'gate-role-x', kind: 'gate-camera', lotId: lot }],
      ] as Array<[string, string, unknown?]>) {
        const r = await api(token, method, url, body);
        expect({ status: r.status, code: r.body.error?.code }, `${method} ${url}`).toEqual({ status: 403, code: 'ONELOT_ERR_FORBIDDEN' });
        expect(r.body.error.message).toMatch(/may not do this/);
      }
    }
    expect((await e.p.db.pool.query('SELECT count(*)::int AS lots, (SELECT count(*)::int FROM devices) AS devices FROM lots')).rows[0]).toEqual(before);
    expect((await api(e.city, 'GET', `/lots/${lot}`)).body.name).not.toBe('改名');
  });
});
