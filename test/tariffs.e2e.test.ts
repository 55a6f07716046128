// Tariff versions end to end (issue 11) on a real platform, over real HTTP and the real database:
// the admin writes a tariff, previews it, schedules it; the city approves it; the lot's public page
// shows it — and a version in force is never changed again. Garages publish without the city.
// Passes and free lists: a stay through a real gate camera over MQTT gets a zero invoice naming it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connectDevice, consoleToken, nextSeq, publish, startTestPlatform, type TestPlatform } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';
import { billingModule, type BillingModule } from '../billing/index.ts';
import { ensureBillingSeed } from '../seed/billing-seed.ts';
import { loadConfig } from '../core/config.ts';
import { explainBill, type FeeResult } from '../billing/tariff.ts';

const config = loadConfig({});
/** A console session as signing in gives it: an operator's admin, or the city's team for 'city'. */
const bearer = async (operatorId: string) =>
  `Bearer ${await consoleToken(p, operatorId === 'city' ? { operatorId: null, account: 'city' } : { operatorId })}`;
let ZZPARK: string;
let PRIVATE: string;
let CITY: string;

let p: TestPlatform;
let billing: BillingModule;
let street: string; // op-zzpark's street lot
let garage: string; // op-private's garage

async function api(method: string, url: string, auth?: string, body?: unknown) {
  const res = await fetch(p.httpUrl + url, {
    method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(auth ? { authorization: auth } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() as any };
}

// Beijing's on-street class-1 rule, as the composer sends it.
const BEIJING = {
  name: 'Beijing-style street', nameZh: '北京式路侧', timeZone: 'Asia/Shanghai', graceMinutes: 0,
  bands: [
    { name: 'Day', nameZh: '白天', from: '07:00', to: '21:00', pricing: { kind: 'units', unit: { minutes: 15, fen: 250 }, tiers: [{ afterMinutes: 60, unit: { minutes: 15, fen: 375 } }] } },
    { name: 'Night', nameZh: '夜间', from: '21:00', to: '07:00', pricing: { kind: 'units', unit: { minutes: 120, fen: 100 } } },
  ],
};
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

beforeAll(async () => {
  billing = billingModule(config, { ensureTariffs: ensureBillingSeed });
  p = await startTestPlatform({ modules: [billing] });
  [ZZPARK, PRIVATE, CITY] = await Promise.all([bearer('op-zzpark'), bearer('op-private'), bearer('city')]);
  const q = async (sql: string) => (await p.db.pool.query(sql)).rows[0].id as string;
  street = await q(`SELECT id FROM lots WHERE kind = 'street' AND operator_id = 'op-zzpark' ORDER BY id LIMIT 1`);
  garage = await q(`SELECT id FROM lots WHERE kind = 'garage' AND operator_id = 'op-private' ORDER BY id LIMIT 1`);
}, 180_000); // a platform start on a shared 2-core machine
afterAll(async () => { await p?.destroy(); });

describe('a street tariff: the admin writes it, the city approves it, the lot\'s public page shows it', () => {
  let version: number;

  it('the preview prices typical stays and stays of your own, explained as the driver will see them', async () => {
    const r = await api('POST', `/api/v1/operator/lots/${street}/tariffs/preview`, ZZPARK, {
      tariff: BEIJING, stays: [{ entry: '2026-11-23T09:00:00+08:00', exit: '2026-11-23T10:30:00+08:00' }],
    });
    expect(r.status).toBe(200);
    // 4 × ¥2.50 in the first hour, then 2 × ¥3.75.
    expect(r.body.stays[0]).toMatchObject({ totalFen: 1750, stayMinutes: 90 });
    expect(r.body.stays[0].explanation.en).toContain('Day 11-23 10:00–10:30, 30 min: after the first 60 min, 2 × ¥3.75 per 15 min = ¥7.50');
    expect(r.body.description.zh).toContain('白天 07:00–21:00：每15分钟 ¥2.50，超过60分钟后每15分钟 ¥3.75');
    const twoHours = r.body.examples.find((e: any) => e.label.en === '2 h from 09:00');
    expect(twoHours.totalFen).toBe(1000 + 1500);
    expect(r.body.examples.length).toBeGreaterThanOrEqual(6);
  });

  it('a draft that breaks a rule is refused with what to fix', async () => {
    const gap = { ...BEIJING, bands: [{ ...BEIJING.bands[0], to: '20:00' }, BEIJING.bands[1]] };
    const r = await api('POST', `/api/v1/operator/lots/${street}/tariffs/validate`, ZZPARK, gap);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'ONELOT_ERR_VALIDATION' });
    expect(r.body.error.message).toMatch(/band Day ends at 20:00 but the next band, Night, starts at 21:00/);
    const bad = await api('POST', `/api/v1/operator/lots/${street}/tariffs`, ZZPARK, { ...BEIJING, graceMinutes: -5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/graceMinutes/);
  });

  it('the admin writes a draft and schedules it from a future date; it waits for the city', async () => {
    const draft = await api('POST', `/api/v1/operator/lots/${street}/tariffs`, ZZPARK, BEIJING);
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'draft', shared: false, tariffId: `lot:${street}` });
    version = draft.body.version;
    // Numbered after the shared family's versions (zz-street 1 and 2).
    expect(version).toBe(3);

    const past = await api('POST', `/api/v1/operator/lots/${street}/tariffs/${version}/schedule`, ZZPARK, { effectiveFrom: '2020-01-01T00:00:00+08:00' });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toMatch(/not in the future/);

    const sched = await api('POST', `/api/v1/operator/lots/${street}/tariffs/${version}/schedule`, ZZPARK, { effectiveFrom: inDays(7) });
    expect(sched.status).toBe(200);
    expect(sched.body.status).toBe('pending');
    // Not a price yet: the public page still shows the shared tariff, and nothing is next.
    const pub = await api('GET', `/api/v1/lots/${street}/tariff`);
    expect(pub.body).toMatchObject({ tariffId: 'zz-street', next: null, approvedBy: 'city' });
  });

  it('only the city approves; another operator does not even see the lot', async () => {
    expect((await api('GET', '/api/v1/operator/tariff-approvals', ZZPARK)).status).toBe(403);
    expect((await api('POST', `/api/v1/operator/lots/${street}/tariffs/${version}/approve`, ZZPARK)).status).toBe(403);
    expect((await api('GET', `/api/v1/operator/lots/${street}/tariffs`, PRIVATE)).status).toBe(404);
    expect((await api('POST', `/api/v1/operator/lots/${street}/tariffs`, PRIVATE, BEIJING)).status).toBe(404);
    expect((await api('POST', `/api/v1/operator/lots/${street}/tariffs`, CITY, BEIJING)).status).toBe(403);

    const queue = await api('GET', '/api/v1/operator/tariff-approvals', CITY);
    expect(queue.status).toBe(200);
    expect(queue.body.versions).toContainEqual(expect.objectContaining({ lotId: street, version, operatorId: 'op-zzpark' }));

    const ok = await api('POST', `/api/v1/operator/lots/${street}/tariffs/${version}/approve`, CITY);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'scheduled', decidedBy: 'city' });
    expect((await api('POST', `/api/v1/operator/lots/${street}/tariffs/${version}/approve`, CITY)).status).toBe(409);
  });

  it('the lot\'s public page shows the tariff in force and the approved one next, described and explained', async () => {
    const pub = await api('GET', `/api/v1/lots/${street}/tariff`);
    expect(pub.status).toBe(200);
    expect(pub.body.current).toMatchObject({ version: 2 });
    expect(pub.body.next).toMatchObject({ version, tariff: { name: 'Beijing-style street' } });
    expect(pub.body.next.description.en).toContain('Day 07:00–21:00: ¥2.50 per 15 min, after 60 min ¥3.75 per 15 min');
    expect(Date.parse(pub.body.next.validFrom)).toBeGreaterThan(Date.now());
    expect(pub.body.next.examples.find((e: any) => e.label.en === '2 h from 09:00').totalFen).toBe(2500);
  });

  it('once in force, the version prices stays and is never edited again (409)', async () => {
    // Time passes: the version's date arrives (moved back in the database, as the clock would).
    const from = new Date(Date.now() - 3 * 86_400_000).toISOString();
    await p.db.pool.query(`UPDATE tariffs SET valid_from = $3::timestamptz, body = jsonb_set(body, '{validFrom}', to_jsonb($4::text)) WHERE id = $1 AND version = $2`, [`lot:${street}`, version, from, from]);
    await billing.sessionHook.reload(p.db.pool);

    const list = await api('GET', `/api/v1/operator/lots/${street}/tariffs`, ZZPARK);
    expect(list.body.versions.map((v: any) => `${v.tariffId}@${v.version}:${v.status}`)).toEqual([`lot:${street}@${version}:in-force`, 'zz-street@2:past', 'zz-street@1:past']);
    const edit = await api('PUT', `/api/v1/operator/lots/${street}/tariffs/${version}`, ZZPARK, { ...BEIJING, graceMinutes: 10 });
    expect(edit.status).toBe(409);
    expect(edit.body.error.message).toMatch(/never edited once in force; write a new version/);
    expect((await api('DELETE', `/api/v1/operator/lots/${street}/tariffs/${version}`, ZZPARK)).status).toBe(409);
    expect((await api('POST', `/api/v1/operator/lots/${street}/tariffs/${version}/schedule`, ZZPARK, { effectiveFrom: inDays(3) })).status).toBe(409);

    const pub = await api('GET', `/api/v1/lots/${street}/tariff`);
    expect(pub.body).toMatchObject({ tariffId: `lot:${street}`, current: { version }, next: null });
    // The book prices a stay entering after the version's date with it; before it, with the shared version.
    const entry = new Date(Date.now() - 86_400_000);
    entry.setUTCHours(1, 0, 0, 0); // 09:00 in Shanghai
    expect(billing.sessionHook.book.estimate(street, entry, new Date(entry.getTime() + 90 * 60_000))).toBe(1750);
    const before = new Date(Date.parse(from) - 86_400_000);
    before.setUTCHours(1, 0, 0, 0);
    expect(billing.sessionHook.book.estimate(street, before, new Date(before.getTime() + 90 * 60_000))).toBe(300 + 150); // zz-street v2
  });

  it('a rejected version carries the city\'s reason; rewriting it makes a draft again', async () => {
    const d = await api('POST', `/api/v1/operator/lots/${street}/tariffs`, ZZPARK, { ...BEIJING, name: 'Too dear' });
    await api('POST', `/api/v1/operator/lots/${street}/tariffs/${d.body.version}/schedule`, ZZPARK, { effectiveFrom: inDays(10) });
    expect((await api('POST', `/api/v1/operator/lots/${street}/tariffs/${d.body.version}/reject`, CITY, {})).status).toBe(400);
    const no = await api('POST', `/api/v1/operator/lots/${street}/tariffs/${d.body.version}/reject`, CITY, { reason: 'Night price above the city\'s ¥1 per 2 h' });
    expect(no.body).toMatchObject({ status: 'rejected', rejection: 'Night price above the city\'s ¥1 per 2 h' });
    const again = await api('PUT', `/api/v1/operator/lots/${street}/tariffs/${d.body.version}`, ZZPARK, { ...BEIJING, name: 'Fixed' });
    expect(again.body).toMatchObject({ status: 'draft', rejection: null, tariff: { name: 'Fixed' } });
    expect((await api('DELETE', `/api/v1/operator/lots/${street}/tariffs/${d.body.version}`, ZZPARK)).status).toBe(204);
  });
});

describe('a garage tariff publishes on scheduling, without the city', () => {
  it('is approved when scheduled and shown next on the public page', async () => {
    const d = await api('POST', `/api/v1/operator/lots/${garage}/tariffs`, PRIVATE, BEIJING);
    expect(d.status).toBe(201);
    const s = await api('POST', `/api/v1/operator/lots/${garage}/tariffs/${d.body.version}/schedule`, PRIVATE, { effectiveFrom: inDays(2) });
    expect(s.body).toMatchObject({ status: 'scheduled', decidedBy: 'op-private' });
    const pub = await api('GET', `/api/v1/lots/${garage}/tariff`);
    expect(pub.body).toMatchObject({ approvedBy: 'operator', next: { version: d.body.version } });
    expect((await api('GET', '/api/v1/operator/tariff-approvals', CITY)).body.versions.some((v: any) => v.lotId === garage)).toBe(false);
  });
});

describe('monthly passes and free lists: a covered stay gets a zero invoice that names it', () => {
  const invoicesOf = async (plate: string) => (await p.db.pool.query('SELECT amount_fen, lines, tariff_id FROM invoices WHERE plate = $1 ORDER BY id', [plate])).rows;

  it('through a gate camera: the pass, an operator-wide free list, no pass, a revoked pass', async () => {
    const dev = p.device((d) => d.kind === 'gate-camera');
    const owner = (await p.db.pool.query('SELECT operator_id FROM lots WHERE id = $1', [dev.lotId])).rows[0].operator_id as string;
    const auth = await bearer(owner);
    const other = await bearer(owner === 'op-private' ? 'op-zzpark' : 'op-private');
    const gate = await connectDevice(p, dev);
    const stay = async (plate: string) => {
      const t = Date.now();
      for (const [direction, ago] of [['in', 3], ['out', 1]] as const) {
        await publish(gate, eventsTopic(dev.id), { type: 'gate', seq: nextSeq(), ts: new Date(t - ago * 3_600_000).toISOString(), direction, plate, plateColor: 'blue', confidence: 0.97 });
      }
    };
    try {
      const monthly = await api('POST', '/api/v1/operator/passes', auth, {
        kind: 'monthly', lotId: dev.lotId, name: 'Li Wei', plates: ['豫a 55555'], validFrom: inDays(-2), validTo: inDays(28), priceFen: 30000,
      });
      expect(monthly.status).toBe(201);
      expect(monthly.body).toMatchObject({ kind: 'monthly', plates: ['豫A55555'], priceFen: 30000, paidVia: 'counter', operatorId: owner });
      const list = await api('POST', '/api/v1/operator/passes', auth, { kind: 'emergency', name: '120 ambulances', plates: ['豫A12012'], validFrom: inDays(-1), validTo: inDays(365) });
      expect(list.status).toBe(201);
      expect(list.body.lotId).toBeNull();

      await stay('豫A55555');
      const [covered] = await invoicesOf('豫A55555');
      expect(covered.amount_fen).toBe(0);
      expect(covered.lines).toEqual([expect.objectContaining({ kind: 'pass', amountFen: 0, name: `Monthly pass #${monthly.body.id} (Li Wei)`, minutes: 120 })]);
      // The bill as the driver reads it names the pass (the public lookup shows no lines: plates are personal data).
      expect(explainBill({ lines: covered.lines, totalFen: 0, timeZone: 'Asia/Shanghai' } as FeeResult, 'zh')[0]).toMatch(new RegExp(`^月卡 #${monthly.body.id}（Li Wei）.*120分钟：¥0.00$`));

      await stay('豫A12012');
      expect((await invoicesOf('豫A12012'))[0]).toMatchObject({ amount_fen: 0, lines: [expect.objectContaining({ kind: 'free-list', name: `Emergency vehicles free list #${list.body.id} (120 ambulances)` })] });

      // No pass: the tariff, as ever (2 hours at the gate's lot cost something).
      await stay('豫A77777');
      expect((await invoicesOf('豫A77777'))[0].amount_fen).toBeGreaterThan(0);

      // Another operator neither sees nor revokes them; the owner revokes the pass and the next stay pays.
      expect((await api('GET', '/api/v1/operator/passes', other)).body.passes.some((x: any) => x.id === monthly.body.id)).toBe(false);
      expect((await api('POST', `/api/v1/operator/passes/${monthly.body.id}/revoke`, other)).status).toBe(404);
      expect((await api('GET', `/api/v1/operator/passes?lotId=${dev.lotId}`, auth)).body.passes.map((x: any) => x.id)).toEqual([list.body.id, monthly.body.id]);
      expect((await api('POST', `/api/v1/operator/passes/${monthly.body.id}/revoke`, auth)).body.revokedAt).not.toBeNull();
      // Issued and revoked, in the audit log without the holder's name and plates.
      // (This platform has billing alone: no audit route, so the log is read with SQL.)
      const logged = (await p.db.pool.query(`SELECT action, after FROM audit_log WHERE object_type = 'pass' AND object_id = $1 ORDER BY id`, [String(monthly.body.id)])).rows;
      expect(logged.map((x) => x.action)).toEqual(['pass.issue', 'pass.revoke']);
      expect(logged[0].after).toMatchObject({ kind: 'monthly', lotId: dev.lotId, priceFen: 30000, plates: 1 });
      expect(JSON.stringify(logged)).not.toMatch(/Li Wei|55555/);
      await stay('豫A55555');
      expect((await invoicesOf('豫A55555')).map((i) => i.amount_fen > 0)).toEqual([false, true]);
    } finally {
      await gate.endAsync();
    }
  });

  it('refuses a monthly pass with no price or lot, a bad plate, and a pass on another operator\'s lot', async () => {
    const base = { kind: 'monthly', lotId: street, name: 'X', plates: ['豫A55556'], validFrom: inDays(0), validTo: inDays(30) };
    const noPrice = await api('POST', '/api/v1/operator/passes', ZZPARK, base);
    expect(noPrice.status).toBe(400);
    expect(noPrice.body.error.message).toMatch(/send lotId and priceFen/);
    const badPlate = await api('POST', '/api/v1/operator/passes', ZZPARK, { ...base, priceFen: 100, plates: ['hello'] });
    expect(badPlate.body.error.message).toMatch(/province character/);
    expect((await api('POST', '/api/v1/operator/passes', PRIVATE, { ...base, priceFen: 100 })).status).toBe(404);
    expect((await api('POST', '/api/v1/operator/passes', CITY, { ...base, priceFen: 100 })).status).toBe(403);
  });
});
