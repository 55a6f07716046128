// The operators' console API on a real platform: sign in (scrypt accounts, lock-out, tokens), and
// analytics whose every figure is checked against a day of sessions, invoices and occupancy
// samples written with SQL, counted in the lot's time zone (Asia/Shanghai).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { cityModules } from '../platform.ts';
import { createOperator } from '../operators/index.ts';
import { foldHourlyDeltas, recomputeHourlyStats } from '../analytics/hourly-stats.ts';
import { startTestPlatform, tempDataDir, nextSeq, hourlyStatsBothWays, type TestPlatform } from './helpers.ts';

const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent' };
// 2 March 2026 in Zhengzhou (UTC+8): 2026-03-01T16:00Z … 2026-03-02T16:00Z.
const DAY = { from: '2026-03-01T16:00:00.000Z', to: '2026-03-02T16:00:00.000Z' };
let p: TestPlatform;
let token: string;
let lotA: { id: string; capacity: number };
let lotB: string;

async function api(method: string, url: string, body?: unknown, bearer?: string) {
  const res = await fetch(p.httpUrl + url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() as any };
}

async function session(lot: string, plate: string | null, status: string, entry: string, exit: string): Promise<number> {
  const { rows } = await p.db.pool.query<{ id: number }>(
    `INSERT INTO sessions (lot_id, plate, plate_kind, status, entry_time, exit_time, entry_device, entry_seq, exit_device, exit_seq)
     VALUES ($1, $2, $3, $4, $5, $6, 'test-cam', $7, 'test-cam', $8) RETURNING id`,
    [lot, plate, plate ? 'standard' : null, status, entry, exit, nextSeq(), nextSeq()]);
  return rows[0].id;
}

async function invoice(sessionId: number, lot: string, plate: string, fen: number, o: { issued: string; due: string; status: string; paid?: string }) {
  await p.db.pool.query(
    `INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, issued_at, due_at, paid_at)
     VALUES ($1, $2, $3, $4, '[]', 'zz-street-v2', 2, $5, $6, $7, $8)`,
    [sessionId, lot, plate, fen, o.status, o.issued, o.due, o.paid ?? null]);
}

beforeAll(async () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  const { modules } = cityModules(config);
  p = await startTestPlatform({ dataDir, modules });
  const lots = (await p.db.pool.query<{ id: string; capacity: number }>(`SELECT id, capacity FROM lots WHERE kind = 'street' ORDER BY id LIMIT 2`)).rows;
  [lotA, lotB] = [lots[0], lots[1].id];

  // Lot A: a paid stay (09:00–11:40 local, 160 min), an overdue one (10:30–11:30), an anonymous
  // sensor-only period (13:00–14:00). Lot B: a stay in review (18:00–19:00, ¥4.00 outstanding) and
  // an open exception about it.
  const s1 = await session(lotA.id, '豫A12345', 'closed', '2026-03-02T01:00:00Z', '2026-03-02T03:40:00Z');
  await invoice(s1, lotA.id, '豫A12345', 950, { issued: '2026-03-02T03:40:00Z', due: '2026-03-09T03:40:00Z', status: 'paid', paid: '2026-03-02T04:00:00Z' });
  const s2 = await session(lotA.id, '豫B88888', 'closed', '2026-03-02T02:30:00Z', '2026-03-02T03:30:00Z');
  await invoice(s2, lotA.id, '豫B88888', 300, { issued: '2026-03-02T03:30:00Z', due: '2026-03-09T03:30:00Z', status: 'outstanding' });
  await session(lotA.id, null, 'anonymous', '2026-03-02T05:00:00Z', '2026-03-02T06:00:00Z');
  const s4 = await session(lotB, '豫C00001', 'review', '2026-03-02T10:00:00Z', '2026-03-02T11:00:00Z');
  await invoice(s4, lotB, '豫C00001', 400, { issued: '2026-03-02T11:00:00Z', due: '2026-03-09T11:00:00Z', status: 'outstanding' });
  await p.db.pool.query(
    `INSERT INTO session_exceptions (kind, lot_id, plate, session_id, event_time, detail) VALUES ('low-confidence', $1, '豫C00001', $2, '2026-03-02T11:00:00Z', 'exit read at 0.62')`,
    [lotB, s4]);
  // Occupancy of lot A in the 09:00 local bucket: 4 then 6 of 10 occupied → 50 % on average, 60 % peak.
  await p.db.pool.query(
    `INSERT INTO lot_occupancy_samples (time, lot_id, free, occupied, unknown) VALUES
       ('2026-03-02T01:01:00Z', $1, 6, 4, 0), ('2026-03-02T01:06:00Z', $1, 4, 6, 0)`, [lotA.id]);
  // Rows written with SQL bypass the statements that keep the hourly figures: recompute them from
  // the rows, as migrations/008 does for history.
  await recomputeHourlyStats(p.db.pool, new Date(DAY.from), new Date(DAY.to));

  await createOperator(p.db.pool, { id: 'op-test', name: '测试运营', password: 'console-pass-1' });
  // The operator signed in below runs every lot of this test city: an operator sees only its own lots.
  await p.db.pool.query(`UPDATE lots SET operator_id = 'op-test'`);
});
afterAll(async () => { await p?.destroy(); });

describe('operator routes behind one guard', () => {
  it('answers every /api/v1/operator route but the sign-in with 401 without a token, and changes nothing', async () => {
    // The routes as the API documents them: a route a module adds later is checked too.
    const doc = await (await fetch(`${p.httpUrl}/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> };
    const operatorRoutes = Object.entries(doc.paths).filter(([path]) => path.startsWith('/api/v1/operator/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: path.replace(/\{[^}]+\}/g, '1') })));
    expect(operatorRoutes.length).toBeGreaterThanOrEqual(8);
    const before = (await p.db.pool.query(`SELECT (SELECT count(*) FROM session_exceptions WHERE resolved_at IS NULL) AS open, (SELECT count(*) FROM invoices WHERE status = 'paid') AS paid`)).rows[0];
    for (const r of operatorRoutes) {
      const res = await fetch(`${p.httpUrl}${r.path}`, { method: r.method, headers: { 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{"action":"void"}' });
      // The two ways in are public: the sign-in and a new account's first sign-in with its setup code.
      if (r.path === '/api/v1/operator/login' || r.path === '/api/v1/operator/password/setup') { expect(res.status, r.path).not.toBe(401); continue; }
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      expect((await res.json()).error.code).toBe('ONELOT_ERR_UNAUTHORIZED');
    }
    const after = (await p.db.pool.query(`SELECT (SELECT count(*) FROM session_exceptions WHERE resolved_at IS NULL) AS open, (SELECT count(*) FROM invoices WHERE status = 'paid') AS paid`)).rows[0];
    expect(after).toEqual(before);
  });
});

describe('operator sign-in', () => {
  it('signs in with the right password and refuses a wrong one with a message that says what to do', async () => {
    const wrong = await api('POST', '/api/v1/operator/login', { account: 'op-test', password: 'nope-nope-nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/account name or password is wrong/);
    const unknown = await api('POST', '/api/v1/operator/login', { account: 'op-nobody', password: 'console-pass-1' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message); // no hint about which ids exist

    const ok = await api('POST', '/api/v1/operator/login', { account: 'op-test', password: 'console-pass-1' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ accountId: 'op-test', operatorId: 'op-test', role: 'admin', name: '测试运营' });
    expect(new Date(ok.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
    token = ok.body.token;
    // The token opens the other operator routes too.
    expect((await api('GET', '/api/v1/operator/review', undefined, token)).status).toBe(200);
  });

  it('gives the demo city operator a sign-in on first start, written beside the device credentials', async () => {
    const accounts = JSON.parse(readFileSync(path.join(p.dataDir, 'operator-console.json'), 'utf8'));
    expect(accounts.admin.account).toBe('op-zzpark');
    const ok = await api('POST', '/api/v1/operator/login', accounts.admin);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ role: 'admin', operatorId: 'op-zzpark' });
    expect(ok.body.name).toMatch(/Zhengzhou City Parking/);
    const city = await api('POST', '/api/v1/operator/login', accounts.city);
    expect(city.status).toBe(200);
    expect(city.body).toMatchObject({ role: 'city', operatorId: null, accountId: 'city' });
  });

  it('no longer locks an id after five wrong passwords: a stranger cannot lock the owner out (limits: test/accounts.e2e.test.ts)', async () => {
    await createOperator(p.db.pool, { id: 'op-locked', name: 'Locked', password: 'right-password-1' });
    for (let i = 0; i < 5; i++) expect((await api('POST', '/api/v1/operator/login', { account: 'op-locked', password: `wrong-${i}-xxxx` })).status).toBe(401);
    const owner = await api('POST', '/api/v1/operator/login', { account: 'op-locked', password: 'right-password-1' });
    expect(owner.status).toBe(200);
  });

  it('will not create an account with a short password or a malformed id', async () => {
    await expect(createOperator(p.db.pool, { id: 'op-x', name: 'X', password: 'short' })).rejects.toThrow(/at least 10 characters/);
    await expect(createOperator(p.db.pool, { id: 'Op X!', name: 'X', password: 'long-enough-1' })).rejects.toThrow(/lowercase letters/);
  });
});

describe('operator analytics', () => {
  it('needs an operator token', async () => {
    expect((await api('GET', `/api/v1/operator/analytics?from=${DAY.from}&to=${DAY.to}`)).status).toBe(401);
  });

  it('adds up one local day: stays, revenue, arrears, the queue, occupancy by hour', async () => {
    const { status, body } = await api('GET', `/api/v1/operator/analytics?from=${DAY.from}&to=${DAY.to}`, undefined, token);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.timeZone).toBe('Asia/Shanghai');
    expect(body.totals).toMatchObject({
      sessions: 4, closed: 4, avgStayMinutes: 85, // (160 + 60 + 60 + 60) / 4
      invoicedFen: 1650, paidFen: 950, outstandingFen: 700, overdueFen: 700, inReview: 1, openExceptions: 1,
    });
    const a = body.byLot.find((l: { lotId: string }) => l.lotId === lotA.id);
    expect(a).toMatchObject({ sessions: 3, avgStayMinutes: 93.3, invoicedFen: 1250, paidFen: 950, avgOccupancy: 0.5, peakOccupancy: 0.6 });
    expect(a.turnover).toBe(Math.round(3 / lotA.capacity * 100) / 100);
    expect(body.byLot[0].lotId).toBe(lotA.id); // highest revenue first
    expect(body.hourly).toHaveLength(24);
    expect(body.hourly.filter((h: { entries: number }) => h.entries > 0).map((h: { hour: number }) => h.hour)).toEqual([9, 10, 13, 18]);
    expect(body.hourly[9].avgOccupancy).toBe(0.5);
    expect(body.hourly[8].avgOccupancy).toBeNull();
    expect(body.daily).toEqual([{ day: '2026-03-02', sessions: 4, invoicedFen: 1650, paidFen: 950 }]);
  });

  it('narrows to one lot, and says what is wrong with a bad range or lot', async () => {
    const one = await api('GET', `/api/v1/operator/analytics?from=${DAY.from}&to=${DAY.to}&lotId=${lotB}`, undefined, token);
    expect(one.status).toBe(200);
    expect(one.body.totals).toMatchObject({ lots: 1, sessions: 1, invoicedFen: 400, inReview: 1, openExceptions: 1 });
    expect(one.body.byLot.map((l: { lotId: string }) => l.lotId)).toEqual([lotB]);

    const backwards = await api('GET', `/api/v1/operator/analytics?from=${DAY.to}&to=${DAY.from}`, undefined, token);
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toMatch(/must be before/);
    const long = await api('GET', `/api/v1/operator/analytics?from=2025-01-01T00:00:00Z&to=${DAY.to}`, undefined, token);
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/longer than 92 days/);
    const nolot = await api('GET', `/api/v1/operator/analytics?lotId=ZZ-NOPE`, undefined, token);
    expect(nolot.status).toBe(404);
    const garbage = await api('GET', `/api/v1/operator/analytics?from=yesterday`, undefined, token);
    expect(garbage.status).toBe(400);
  });

  it('takes a voided invoice out of the figures at once, as recomputing from the rows would', async () => {
    const url = `/api/v1/operator/analytics?from=${DAY.from}&to=${DAY.to}`;
    const exception = (await api('GET', '/api/v1/operator/review', undefined, token)).body.exceptions[0];
    const resolved = await api('POST', `/api/v1/operator/exceptions/${exception.id}/resolve`, { action: 'void', note: 'plate misread', reason: { code: 'wrong-plate' } }, token);
    expect(resolved.status).toBe(200);
    const after = (await api('GET', url, undefined, token)).body;
    expect(after.totals).toMatchObject({ invoicedFen: 1250, outstandingFen: 300, inReview: 0, openExceptions: 0 });
    expect(after.byLot.find((l: { lotId: string }) => l.lotId === lotB).invoicedFen).toBe(0);
    const { kept, fromRows } = await hourlyStatsBothWays(p.db.pool);
    expect(kept).toEqual(fromRows);
    // Folding the deltas changes nothing a report reads.
    expect(await foldHourlyDeltas(p.db.pool)).toBeGreaterThan(0);
    expect((await api('GET', url, undefined, token)).body).toEqual(after);
  });
});
