// Sessions and invoices from real device events: gate and street cameras and bay sensors of the
// demo fleet over real MQTT → ingest transaction (billing/sessions.ts hook) → TimescaleDB → HTTP.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startTestPlatform, consoleToken, connectDevice, publish, waitFor, getJson, nextSeq, hourlyStatsBothWays, type TestPlatform } from './helpers.ts';
import { eventsTopic } from '../core/protocol.ts';
import { billingModule, type BillingModule } from '../billing/index.ts';
import { overstayScan } from '../billing/sessions.ts';
import type { IssuedInvoice } from '../core/changes.ts';
import { ensureBillingSeed } from '../seed/billing-seed.ts';
import type { DeviceCredential } from '../seed/city-loader.ts';
import { loadConfig } from '../core/config.ts';

let p: TestPlatform;
let billing: BillingModule;
let gateDev: DeviceCredential;
let gate: MqttClient;
const issued: IssuedInvoice[] = [];

const config = loadConfig({});
const operator: Record<string, string> = {};
const getAs = async (url: string, headers: Record<string, string> = operator) => {
  const res = await fetch(p.httpUrl + url, { headers });
  return { status: res.status, body: await res.json() };
};
const extras = () => {
  billing = billingModule(config, { ensureTariffs: ensureBillingSeed });
  billing.sessionHook.events.on('issued', (list) => issued.push(...list));
  return billing;
};

beforeAll(async () => {
  p = await startTestPlatform({ modules: [extras()] });
  gateDev = p.device((d) => d.kind === 'gate-camera');
  // The console of the operator that runs the gate's lot: operators see only their own lots.
  const owner = (await p.db.pool.query<{ operator_id: string }>('SELECT operator_id FROM lots WHERE id = $1', [gateDev.lotId])).rows[0].operator_id;
  operator.authorization = `Bearer ${await consoleToken(p, { operatorId: owner, account: `${owner}-admin` })}`;
  gate = await connectDevice(p, gateDev);
});
afterAll(async () => {
  await gate?.endAsync();
  await p?.destroy();
});

const q = async (sql: string, params: unknown[] = []) => (await p.db.pool.query(sql, params)).rows;
const gateMsg = (direction: 'in' | 'out', plate: string, ts: string, confidence = 0.95) =>
  ({ type: 'gate', seq: nextSeq(), ts, direction, plate, plateColor: plate.length === 8 ? 'green' : 'blue', confidence });
const send = (client: MqttClient, dev: DeviceCredential, msg: object) => publish(client, eventsTopic(dev.id), msg);
const sessionsOf = (plate: string) => q('SELECT * FROM sessions WHERE plate = $1 ORDER BY id', [plate]);
const invoicesOf = (plate: string) => q('SELECT * FROM invoices WHERE plate = $1 ORDER BY id', [plate]);
const exceptionsOf = (plate: string) => q('SELECT * FROM session_exceptions WHERE plate = $1 ORDER BY id', [plate]);

// Garage tariff (billing/tariff.ts zz-garage-v1), a Tuesday, standard plate: 10:00–12:00 is the
// day band: first hour ¥5.00 + one later hour ¥1.50 = 650 fen. The Tuesday two to three weeks
// back, so the events stay inside ingest's event-time window (core/protocol.ts MAX_EVENT_AGE_MS)
// whatever day the tests run.
const TUESDAY = (() => {
  const d = new Date(Date.now() - 14 * 86_400_000);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 5) % 7));
  return d.toISOString().slice(0, 10);
})();
const ENTRY = `${TUESDAY}T10:00:00+08:00`;
const EXIT = `${TUESDAY}T12:00:00+08:00`;

describe('garage sessions from gate cameras', () => {
  it('seeds tariffs and lot billing once the platform starts', async () => {
    expect((await q(`SELECT id, version FROM tariffs ORDER BY id, version`)).map((r) => `${r.id}@${r.version}`))
      .toEqual(['zz-civic@1', 'zz-garage@1', 'zz-street@1', 'zz-street@2']);
    const [b] = await q('SELECT tariff_id FROM lot_billing WHERE lot_id = $1', [gateDev.lotId]);
    expect(b.tariff_id).toBe('zz-garage');
    expect((await q(`SELECT count(*)::int AS n FROM lots l WHERE NOT EXISTS (SELECT 1 FROM lot_billing b WHERE b.lot_id = l.id)`))[0].n).toBe(0);
  });

  it('an entry opens a session; the exit two hours later closes it and issues the invoice in the same commit', async () => {
    await send(gate, gateDev, gateMsg('in', '豫A12345', ENTRY));
    expect(await sessionsOf('豫A12345')).toMatchObject([{ status: 'open', lot_id: gateDev.lotId, plate_kind: 'standard', entry_device: gateDev.id }]);

    const exit = gateMsg('out', '豫A12345', EXIT);
    await send(gate, gateDev, exit);
    // PUBACK means committed: session and invoice are already there.
    const [s] = await sessionsOf('豫A12345');
    expect(s).toMatchObject({ status: 'closed', match_method: 'exact', exit_seq: exit.seq, exit_plate_read: '豫A12345' });
    const [inv] = await invoicesOf('豫A12345');
    expect(inv).toMatchObject({ session_id: s.id, lot_id: gateDev.lotId, amount_fen: 650, tariff_id: 'zz-garage', tariff_version: 1, status: 'outstanding' });
    expect(inv.lines.map((l: any) => [l.kind, l.part, l.amountFen])).toEqual([['band', 'first-unit', 500], ['band', 'later-units', 150]]);
    const dueDays = (new Date(inv.due_at).getTime() - new Date(inv.issued_at).getTime()) / 86_400_000;
    expect(dueDays).toBeCloseTo(7, 5);
    // The after-commit notification carries it too.
    const note = await waitFor(() => issued.find((i) => i.invoiceId === inv.id), 1000, 'the issued notification');
    expect(note).toMatchObject({ sessionId: s.id, amountFen: 650, autoCharge: true, exitDevice: gateDev.id, exitSeq: exit.seq });

    // The same exit again (same seq), and replayed with a new seq: still one session, one invoice.
    await send(gate, gateDev, exit);
    await send(gate, gateDev, { ...exit, seq: nextSeq() });
    expect(await sessionsOf('豫A12345')).toHaveLength(1);
    expect(await invoicesOf('豫A12345')).toHaveLength(1);
    expect(await exceptionsOf('豫A12345')).toEqual([]);
    // A replayed entry does not reopen it either.
    await send(gate, gateDev, gateMsg('in', '豫A12345', ENTRY));
    expect(await sessionsOf('豫A12345')).toHaveLength(1);
  });

  it('the public plate lookup shows only what is needed to pay: amount, lot, date, reference; plate masked, no times', async () => {
    const { status, body } = await getJson(p, `/api/v1/plates/${encodeURIComponent('豫a 12345')}/invoices`);
    expect(status).toBe(200);
    expect(body.plate).toBe('豫A·***45');
    expect(body.totalFen).toBe(650);
    expect(body.invoices[0]).toMatchObject({ plate: '豫A·***45', lotId: gateDev.lotId, amountFen: 650, status: 'outstanding', overdue: false, tariff: { id: 'zz-garage', version: 1 } });
    expect(Object.keys(body.invoices[0]).sort()).toEqual(['amountFen', 'date', 'dueDate', 'lotId', 'lotName', 'lotNameEn', 'overdue', 'plate', 'ref', 'status', 'tariff']);
    expect(body.invoices[0].ref).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(body.invoices[0].date).toBe(TUESDAY); // the exit's local day, no times
    expect(JSON.stringify(body)).not.toContain('豫A12345');
    expect(JSON.stringify(body)).not.toMatch(/driver|phone/);

    const bad = await getJson(p, `/api/v1/plates/${encodeURIComponent('hello')}/invoices`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('ONELOT_ERR_VALIDATION');
    expect(bad.body.error.message).toMatch(/province character/);
  });

  it('a misread exit (豫A012345 for the green plate 豫AD12345) is matched by confusable key', async () => {
    await send(gate, gateDev, gateMsg('in', '豫AD12345', ENTRY));
    await send(gate, gateDev, gateMsg('out', '豫A012345', EXIT));
    const [s] = await sessionsOf('豫AD12345');
    expect(s).toMatchObject({ status: 'closed', match_method: 'confusable', exit_plate_read: '豫A012345', plate_kind: 'new-energy' });
    // New-energy: the garage tariff's 50 % discount, floored: 650 → 325.
    expect((await invoicesOf('豫AD12345'))[0].amount_fen).toBe(325);
  });

  it('an exit with no entry is kept as exit-without-entry', async () => {
    const exit = gateMsg('out', '豫B55555', EXIT);
    await send(gate, gateDev, exit);
    expect(await sessionsOf('豫B55555')).toEqual([]);
    expect(await exceptionsOf('豫B55555')).toMatchObject([{ kind: 'exit-without-entry', lot_id: gateDev.lotId, device_id: gateDev.id, seq: exit.seq, resolved_at: null }]);
  });

  it('an entry that arrives after its exit closes at once and resolves the exception', async () => {
    await send(gate, gateDev, gateMsg('out', '豫C66666', EXIT));
    await send(gate, gateDev, gateMsg('in', '豫C66666', ENTRY));
    expect(await sessionsOf('豫C66666')).toMatchObject([{ status: 'closed', match_method: 'exact' }]);
    expect((await invoicesOf('豫C66666'))[0].amount_fen).toBe(650);
    const [ex] = await exceptionsOf('豫C66666');
    expect(ex.resolved_at).not.toBeNull();
  });

  it('an entry that arrives after an exit read one misread away claims it, and the stay goes to review', async () => {
    await send(gate, gateDev, gateMsg('out', '新E77777', EXIT)); // the province misread
    await send(gate, gateDev, gateMsg('in', '豫E77777', ENTRY));
    expect(await sessionsOf('豫E77777')).toMatchObject([{ status: 'review', match_method: 'confusable', exit_plate_read: '新E77777' }]);
    const [ex] = await exceptionsOf('新E77777');
    expect(ex).toMatchObject({ kind: 'exit-without-entry' });
    expect(ex.resolved_at).not.toBeNull();
  });

  it('an entry that arrives after an exit read as no valid plate (a green plate\'s D as 0) claims it, and is judged as in order', async () => {
    // bench:city's whole city: three garage stays whose entry came through a backed-up link minutes
    // late, after an exit read 豫A061576 for 豫AD61576, kept as unreadable-plate; the entry opened a
    // session that nothing would ever close.
    await send(gate, gateDev, gateMsg('out', '豫A061576', EXIT));
    const [kept] = await exceptionsOf('豫A061576');
    expect(kept).toMatchObject({ kind: 'unreadable-plate', resolved_at: null });
    await send(gate, gateDev, gateMsg('in', '豫AD61576', ENTRY));
    // The plate rules judge the two reads as they do in order (docs/plates.md rule 3: the one valid
    // plate the read corrects to is the entry's): the same stay in order closes the same way.
    await send(gate, gateDev, gateMsg('in', '豫AD61577', ENTRY));
    await send(gate, gateDev, gateMsg('out', '豫A061577', EXIT));
    const [inOrder] = await sessionsOf('豫AD61577');
    expect(inOrder).toMatchObject({ status: 'closed', match_method: 'confusable', exit_plate_read: '豫A061577' });
    expect(await sessionsOf('豫AD61576')).toMatchObject([{ status: inOrder.status, match_method: 'confusable', exit_plate_read: '豫A061576', exit_time: inOrder.exit_time }]);
    expect((await exceptionsOf('豫A061576'))[0].resolved_at).not.toBeNull();
  });

  it('a second entry of a plate already inside is an exception and the stay goes to review', async () => {
    await send(gate, gateDev, gateMsg('in', '豫D77777', ENTRY));
    await send(gate, gateDev, gateMsg('in', '豫D77777', `${TUESDAY}T11:00:00+08:00`));
    expect(await sessionsOf('豫D77777')).toHaveLength(1);
    const [double] = await exceptionsOf('豫D77777');
    expect(double).toMatchObject({ kind: 'double-entry' });
    // Stored as a code and its parameters (the console words them), and as the English sentence for the log.
    const session = (await sessionsOf('豫D77777'))[0];
    expect(double.detail_coded).toEqual({
      code: 'double-entry-open-session',
      params: { plate: '豫D77777', enteredAt: new Date(`${TUESDAY}T11:00:00+08:00`).toISOString(), sessionId: Number(session.id), openSince: new Date(ENTRY).toISOString() },
    });
    expect(double.detail).toMatch(new RegExp(`^plate 豫D77777 entered at .* while session #${session.id} .* is still open`));
    await send(gate, gateDev, gateMsg('out', '豫D77777', EXIT));
    expect(await sessionsOf('豫D77777')).toMatchObject([{ status: 'review', review_reason: 'double entry' }]);
    expect(await invoicesOf('豫D77777')).toHaveLength(1);
  });

  it('a low-confidence read goes to review: invoice issued, never auto-charged; an operator can approve it', async () => {
    await send(gate, gateDev, gateMsg('in', '豫E88888', ENTRY, 0.55));
    await send(gate, gateDev, gateMsg('out', '豫E88888', EXIT));
    const [s] = await sessionsOf('豫E88888');
    expect(s.status).toBe('review');
    expect(s.review_reason).toMatch(/low-confidence entry read/);
    const [inv] = await invoicesOf('豫E88888');
    expect(await waitFor(() => issued.find((i) => i.invoiceId === inv.id), 1000, 'notification')).toMatchObject({ autoCharge: false });

    expect((await getJson(p, '/api/v1/operator/review')).status).toBe(401);
    const review = await getAs('/api/v1/operator/review');
    expect(review.status).toBe(200);
    expect(review.body.sessions.find((x: any) => x.id === s.id)).toMatchObject({ plate: '豫E88888', status: 'review', invoice: { id: inv.id, amountFen: 650 } });
    const ex = review.body.exceptions.find((x: any) => x.plate === '豫E88888' && x.kind === 'low-confidence');
    expect(ex).toBeTruthy();

    const res = await fetch(`${p.httpUrl}/api/v1/operator/exceptions/${ex.id}/resolve`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...operator }, body: JSON.stringify({ action: 'approve', note: 'image checked' }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).session).toMatchObject({ id: s.id, status: 'closed' });
    const again = await fetch(`${p.httpUrl}/api/v1/operator/exceptions/${ex.id}/resolve`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...operator }, body: JSON.stringify({ action: 'dismiss' }),
    });
    expect(again.status).toBe(409);
  });

  it('an unreadable plate is an exception', async () => {
    const msg = gateMsg('in', '???', ENTRY);
    await send(gate, gateDev, msg);
    expect(await q(`SELECT kind FROM session_exceptions WHERE device_id = $1 AND seq = $2`, [gateDev.id, msg.seq])).toEqual([{ kind: 'unreadable-plate' }]);
  });

  it('an open session past the lot\'s maximum stay becomes one overstay exception', async () => {
    await send(gate, gateDev, gateMsg('in', '豫F99999', new Date(Date.now() - 100 * 3600_000).toISOString()));
    expect(await overstayScan(p.db.pool)).toBeGreaterThanOrEqual(1);
    await overstayScan(p.db.pool);
    const overstays = await exceptionsOf('豫F99999');
    expect(overstays.map((e) => e.kind)).toEqual(['overstay']);
    expect(overstays[0].detail_coded).toEqual({ code: 'overstay', params: { openSince: expect.stringMatching(/Z$/), maxStayHours: expect.any(Number) } });
    expect(overstays[0].detail).toContain(overstays[0].detail_coded.params.openSince);
  });

  it('operators see arrears with full plates once invoices are overdue', async () => {
    await q(`UPDATE invoices SET due_at = now() - interval '1 day' WHERE plate = '豫A12345'`);
    const { status, body } = await getAs('/api/v1/operator/arrears/plates');
    expect(status).toBe(200);
    expect(body.plates).toContainEqual(expect.objectContaining({ plate: '豫A12345', count: 1, totalFen: 650 }));
    const pub = await getJson(p, `/api/v1/plates/${encodeURIComponent('豫A12345')}/invoices`);
    expect(pub.body.invoices[0].overdue).toBe(true);
    expect(pub.body.overdueFen).toBe(650);
  });

  it('the lot\'s tariff in force, explained', async () => {
    const { status, body } = await getJson(p, `/api/v1/lots/${gateDev.lotId}/tariff`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ lotId: gateDev.lotId, tariffId: 'zz-garage', tariff: { id: 'zz-garage-v1', version: 1 } });
    expect(body.examples).toHaveLength(3);
    expect((await getJson(p, '/api/v1/lots/nope/tariff')).status).toBe(404);
  });
});

describe('street sessions from bay cameras and sensors', () => {
  let camDev: DeviceCredential;
  let senDev: DeviceCredential;
  let cam: MqttClient;
  let sen: MqttClient;
  beforeAll(async () => {
    camDev = p.device((d) => d.kind === 'bay-camera' && (d.bays?.length ?? 0) >= 2);
    senDev = p.device((d) => d.kind === 'bay-sensor' && d.bayCode === camDev.bays![1]);
    cam = await connectDevice(p, camDev);
    sen = await connectDevice(p, senDev);
  });
  afterAll(async () => { await cam?.endAsync(); await sen?.endAsync(); });

  it('a camera plate read opens the bay session; the bay reported free closes it (match bay) with the street tariff', async () => {
    const bay = camDev.bays![0];
    await send(cam, camDev, { type: 'bay', seq: nextSeq(), ts: ENTRY, bay, occupied: true, plate: '豫A23456', confidence: 0.93 });
    await send(cam, camDev, { type: 'bay', seq: nextSeq(), ts: `${TUESDAY}T10:30:00+08:00`, bay, occupied: true, plate: '豫A23456', confidence: 0.9 });
    await send(cam, camDev, { type: 'bay', seq: nextSeq(), ts: EXIT, bay, occupied: false });
    expect(await sessionsOf('豫A23456')).toMatchObject([{ bay_code: bay, status: 'closed', match_method: 'bay' }]);
    // Street tariff zz-street-v2 (2026): first hour ¥3.00 + two half hours ¥1.50 = 600 fen.
    expect(await invoicesOf('豫A23456')).toMatchObject([{ amount_fen: 600, tariff_id: 'zz-street', tariff_version: 2 }]);
  });

  it('a sensor-only occupancy is an anonymous session: no plate, no invoice', async () => {
    const bay = senDev.bayCode!;
    await send(sen, senDev, { type: 'occupancy', seq: nextSeq(), ts: ENTRY, occupied: true });
    await send(sen, senDev, { type: 'occupancy', seq: nextSeq(), ts: EXIT, occupied: false });
    const rows = await q('SELECT * FROM sessions WHERE bay_code = $1 ORDER BY id', [bay]);
    expect(rows).toMatchObject([{ status: 'anonymous', plate: null, match_method: null }]);
    expect(rows[0].exit_time).not.toBeNull();
    expect(await q('SELECT * FROM invoices WHERE session_id = $1', [rows[0].id])).toEqual([]);
  });

  it('a camera entry read delivered after its exit read splits the sensor\'s anonymous period: the stay is billed, nothing lost', async () => {
    // The fleet's late messages: the sensor opens an anonymous period; the camera's exit read (the
    // same plate) ends it; only then its entry read arrives, 25 minutes after it was taken.
    const bay = senDev.bayCode!;
    await send(sen, senDev, { type: 'occupancy', seq: nextSeq(), ts: `${TUESDAY}T14:00:00+08:00`, occupied: true });
    await send(cam, camDev, { type: 'bay', seq: nextSeq(), ts: `${TUESDAY}T16:00:00+08:00`, bay, occupied: false, plate: '豫A24680', confidence: 0.92 });
    const late = nextSeq();
    await send(cam, camDev, { type: 'bay', seq: late, ts: `${TUESDAY}T14:25:00+08:00`, bay, occupied: true, plate: '豫A24680', confidence: 0.94 });
    const rows = await q(`SELECT * FROM sessions WHERE bay_code = $1 AND entry_time >= $2 ORDER BY entry_time`, [bay, `${TUESDAY}T14:00:00+08:00`]);
    expect(rows).toMatchObject([
      { status: 'anonymous', plate: null, exit_device: camDev.id, exit_seq: late, exit_plate_read: null },
      { status: 'closed', plate: '豫A24680', entry_seq: late, exit_plate_read: '豫A24680', match_method: 'bay', plate_certainty: 'certain' },
    ]);
    expect(rows[0].exit_time).toEqual(new Date(`${TUESDAY}T14:25:00+08:00`));
    expect(rows[1].exit_time).toEqual(new Date(`${TUESDAY}T16:00:00+08:00`));
    // 14:25–16:00 (95 min) on zz-street-v2: first hour ¥3.00 + two started half hours ¥1.50 = 600 fen.
    expect(await invoicesOf('豫A24680')).toMatchObject([{ session_id: rows[1].id, plate_certain: true, amount_fen: 600 }]);
  });
});

describe('a restart in the middle of a stay', () => {
  it('keeps the open session: the exit after the restart closes and bills it', async () => {
    await send(gate, gateDev, gateMsg('in', '豫G13579', ENTRY));
    await gate.endAsync();
    await p.stop();
    p = await startTestPlatform({ dataDir: p.dataDir, modules: [extras()] });
    gate = await connectDevice(p, gateDev);
    expect(await sessionsOf('豫G13579')).toMatchObject([{ status: 'open' }]);
    await send(gate, gateDev, gateMsg('out', '豫G13579', EXIT));
    expect(await sessionsOf('豫G13579')).toMatchObject([{ status: 'closed' }]);
    expect((await invoicesOf('豫G13579'))[0].amount_fen).toBe(650);
    // Seeding again on start changed nothing.
    expect((await q(`SELECT count(*)::int AS n FROM tariffs`))[0].n).toBe(4);
  });
});

describe('analytics', () => {
  it('every session, exit and invoice above kept the hourly figures exactly what the rows say', async () => {
    const { kept, fromRows } = await hourlyStatsBothWays(p.db.pool);
    expect(kept.length).toBeGreaterThan(3);
    expect(kept).toEqual(fromRows);
  });
});
