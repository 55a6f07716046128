// The open-data feeds over HTTP on a real platform: a bay sensor reports over MQTT and the feeds
// carry the new count; answers are cacheable (ETag → 304 on If-None-Match, Last-Modified → 304 on
// If-Modified-Since), limited per address, and never carry a plate or a session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { eventsTopic } from '../core/protocol.ts';
import { connectDevice, nextSeq, publish, startTestPlatform, waitFor, type TestPlatform } from './helpers.ts';

let p: TestPlatform;
const PLATE = '豫A9Z8Y7';
const FEEDS = [
  '/api/v1/open-data/parkapi/parking-sites',
  '/api/v1/open-data/datex2/parking-table',
  '/api/v1/open-data/datex2/parking-status',
  '/ngsi-ld/v1/entities?type=OffStreetParking,OnStreetParking&limit=1000',
  '/ngsi-ld/v1/entities?type=ParkingSpot&limit=1000',
];
const get = (url: string, headers: Record<string, string> = {}) => fetch(p.httpUrl + url, { headers });
let sensor: { id: string; secret: string; lotId: string; bayCode?: string };

beforeAll(async () => {
  p = await startTestPlatform({ env: { OPEN_DATA_LIMIT_PER_MINUTE: '5' } });
  sensor = p.device((d) => d.kind === 'bay-sensor') as typeof sensor;
  const client = await connectDevice(p, sensor);
  await publish(client, eventsTopic(sensor.id), { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: true });
  client.end(true);
  // A parked car with its plate, a session and an invoice: none of it may reach a feed.
  const { rows } = await p.db.pool.query<{ id: number }>(
    `INSERT INTO sessions (lot_id, plate, plate_kind, status, entry_time, exit_time, entry_device, entry_seq, exit_device, exit_seq)
     VALUES ($1, $2, 'standard', 'closed', now() - interval '2 hours', now(), 'test-cam', $3, 'test-cam', $4) RETURNING id`,
    [sensor.lotId, PLATE, nextSeq(), nextSeq()]);
  await p.db.pool.query(
    `INSERT INTO invoices (session_id, lot_id, plate, amount_fen, lines, tariff_id, tariff_version, status, issued_at, due_at)
     VALUES ($1, $2, $3, 500, '[]', 'zz-street-v2', 2, 'outstanding', now(), now() + interval '7 days')`, [rows[0].id, sensor.lotId, PLATE]);
});
afterAll(async () => { await p?.destroy(); });

describe('open-data feeds', () => {
  it('ParkAPI: every published lot, and the sensor\'s bay counted occupied', async () => {
    const lot = await waitFor(async () => {
      const body = await (await get('/api/v1/open-data/parkapi/parking-sites')).json() as { items: any[] };
      const l = body.items.find((i) => i.original_uid === sensor.lotId);
      return l?.has_realtime_data ? l : undefined;
    }, 5000, 'the lot\'s live counts in the feed');
    const live = await (await get(`/api/v1/lots/${sensor.lotId}`)).json() as { lot: { free: number; capacity: number; lat: number; lng: number } };
    expect(lot).toMatchObject({ realtime_free_capacity: live.lot.free, capacity: live.lot.capacity, lat: live.lot.lat.toFixed(7), lon: live.lot.lng.toFixed(7) });
    const all = await (await get('/api/v1/lots')).json() as { lots: unknown[] };
    expect((await (await get('/api/v1/open-data/parkapi/parking-sites')).json() as { items: unknown[] }).items).toHaveLength(all.lots.length);
  });

  it('DATEX II: XML with the v3 payload; the status names the sensor\'s lot', async () => {
    const r = await get('/api/v1/open-data/datex2/parking-status');
    expect(r.headers.get('content-type')).toMatch(/^application\/xml/);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(await r.text());
    const statuses = [doc['d2:payload']['prk:parkingRecordStatus']].flat();
    expect(statuses.some((s: any) => s['prk:parkingRecordReference']['@id'] === sensor.lotId)).toBe(true);
  });

  it('NGSI-LD: JSON-LD with @context by default, the context in a Link header for plain JSON; one entity by its urn; a bay as ParkingSpot', async () => {
    const ld = await get('/ngsi-ld/v1/entities?type=OffStreetParking,OnStreetParking&count=true');
    expect(ld.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(Number(ld.headers.get('ngsild-results-count'))).toBeGreaterThan(0);
    const [first] = await ld.json() as any[];
    expect(first['@context']).toContain('https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld');
    const plain = await get(`/ngsi-ld/v1/entities/${encodeURIComponent(first.id)}?options=keyValues`, { accept: 'application/json' });
    expect(plain.headers.get('link')).toMatch(/rel="http:\/\/www.w3.org\/ns\/json-ld#context"/);
    const one = await plain.json() as any;
    expect(one).not.toHaveProperty('@context');
    expect(one).toMatchObject({ id: first.id, type: first.type, location: first.location.value });
    const { lot } = await (await get(`/api/v1/lots/${sensor.lotId}`)).json() as { lot: { kind: string } };
    const site = `urn:ngsi-ld:${lot.kind === 'street' ? 'OnStreetParking' : 'OffStreetParking'}:${sensor.lotId}`;
    const spots = await (await get(`/ngsi-ld/v1/entities?type=ParkingSpot&limit=1000&q=${encodeURIComponent(`refParkingSite=="${site}"`)}`)).json() as any[];
    expect(spots.length).toBeGreaterThan(0);
    expect(spots.every((s) => s.refParkingSite.object === site)).toBe(true);
    expect(spots.filter((s) => s.status.value === 'occupied').length).toBeGreaterThan(0);
    expect((await get('/ngsi-ld/v1/entities/urn:ngsi-ld:ParkingSpot:NO-SUCH-BAY')).status).toBe(404);
    const bad = await get('/ngsi-ld/v1/entities?type=Vehicle');
    expect(bad.status).toBe(400);
    expect((await bad.json() as any).error.code).toBe('ONELOT_ERR_VALIDATION');
  });

  it('no personal data: no plate, no session, no invoice, in any feed', async () => {
    for (const url of FEEDS) {
      const text = await (await get(url)).text();
      expect(text, url).not.toContain(PLATE);
      expect(text, url).not.toMatch(/plate|session|invoice|driver|phone/i);
    }
  });

  it('cacheable: ETag → 304 on If-None-Match; Last-Modified → 304 on If-Modified-Since; a change makes a new ETag', async () => {
    for (const url of FEEDS) {
      const first = await get(url);
      const tag = first.headers.get('etag');
      const modified = first.headers.get('last-modified');
      expect(tag, url).toMatch(/^"/);
      expect(modified, url).toBeTruthy();
      expect(first.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
      const again = await get(url, { 'if-none-match': tag! });
      expect([again.status, await again.text()], url).toEqual([304, '']);
      const since = await get(url, { 'if-modified-since': modified! });
      expect(since.status, url).toBe(304);
      expect(since.headers.get('etag'), url).toBe(tag);
      // An older date than the last change is answered in full.
      const older = await get(url, { 'if-modified-since': new Date(Date.parse(modified!) - 3_600_000).toUTCString() });
      expect(older.status, url).toBe(200);
    }
    const before = await get('/api/v1/open-data/datex2/parking-status');
    const client = await connectDevice(p, sensor);
    await publish(client, eventsTopic(sensor.id), { type: 'occupancy', seq: nextSeq(), ts: new Date().toISOString(), occupied: false });
    client.end(true);
    const changed = await waitFor(async () => {
      const r = await get('/api/v1/open-data/datex2/parking-status', { 'if-none-match': before.headers.get('etag')! });
      return r.status === 200 ? r : undefined;
    }, 5000, 'a new ETag after the bay emptied');
    expect(changed.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });

  it('rate-limited per address (OPEN_DATA_LIMIT_PER_MINUTE) with Retry-After; loopback is on the allow-list', async () => {
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 7; i++) {
      const r = await p.api.inject({ method: 'GET', url: '/api/v1/open-data/parkapi/parking-sites', remoteAddress: '203.0.113.50' });
      statuses.push(r.statusCode);
      if (r.statusCode === 429) limited = r;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited!.json().error.code).toBe('ONELOT_ERR_RATE_LIMITED');
    // Another address has its own budget; the map's routes are not spent by the feeds.
    expect((await p.api.inject({ method: 'GET', url: '/api/v1/open-data/parkapi/parking-sites', remoteAddress: '203.0.113.51' })).statusCode).toBe(200);
    expect((await p.api.inject({ method: 'GET', url: '/api/v1/lots', remoteAddress: '203.0.113.50' })).statusCode).toBe(200);
  });
});
