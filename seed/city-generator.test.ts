import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCity, BIG_OPERATOR, STREET_OPERATOR, ZHENGZHOU_EXTENT, garageCapacities, streetSegments, type GeneratedCity, type GeneratedDriver } from './city-generator.ts';
import { generateDemoCity, seededRandom } from './demo-city.ts';
import { normalizePlate } from '../core/plates.ts';
import { verifyDeviceSecret } from '../core/secrets.ts';
import { openDatabase, migrate, type Database } from '../core/db/index.ts';
import { isEmpty } from './city-loader.ts';
import { loadGeneratedCity, writeConsoleAccounts, DISABLED_PASSWORD_HASH, type ConsoleAccountsFile, type LoadSummary } from './city-load.ts';
import { verifyPassword } from '../core/passwords.ts';

const take = <T>(it: Iterable<T>, n: number): T[] => {
  const out: T[] = [];
  for (const x of it) { if (out.length >= n) break; out.push(x); }
  return out;
};
const inside = (lat: number, lng: number) =>
  lat > ZHENGZHOU_EXTENT.minLat && lat < ZHENGZHOU_EXTENT.maxLat && lng > ZHENGZHOU_EXTENT.minLng && lng < ZHENGZHOU_EXTENT.maxLng;

describe('generateCity: determinism', () => {
  it('gives the same city for the same seed and a different one for another seed', () => {
    const a = generateCity({ preset: 'small', seed: 7, drivers: 50 });
    const b = generateCity({ preset: 'small', seed: 7, drivers: 50 });
    const c = generateCity({ preset: 'small', seed: 8, drivers: 50 });
    expect(b.lots).toEqual(a.lots);
    expect(b.bays).toEqual(a.bays);
    expect(b.devices).toEqual(a.devices);
    expect(take(b.drivers, 50)).toEqual(take(a.drivers, 50));
    expect(c.lots.map((l) => [l.id, l.lat, l.capacity])).not.toEqual(a.lots.map((l) => [l.id, l.lat, l.capacity]));
    expect(take(c.drivers, 50).map((d) => d.plates)).not.toEqual(take(a.drivers, 50).map((d) => d.plates));
  });

  it('the demo preset is the demo district exactly, with tariffs by lot kind', () => {
    const city = generateCity({ preset: 'demo' });
    const demo = generateDemoCity();
    expect(city.bays).toEqual(demo.bays);
    expect(city.devices).toEqual(demo.devices);
    expect(city.operators).toEqual(demo.operators);
    expect(city.lots.map(({ tariffId, ...l }) => l)).toEqual(demo.lots);
    expect(new Set(city.lots.map((l) => `${l.kind}:${l.tariffId}`))).toEqual(new Set(['garage:zz-garage', 'street:zz-street']));
  });

  it('rejects impossible options with a message', () => {
    expect(() => generateCity({ garages: 10, garageBays: 5 })).toThrow(/cannot fill 10 garages/);
    expect(() => generateCity({ gatewayChildren: 0 })).toThrow(/gatewayChildren must be a whole number/);
    expect(() => generateCity({ preset: 'nowhere' as never })).toThrow(/unknown preset/);
  });
});

describe('capacity helpers', () => {
  it('garage capacities hit the total exactly and stay skewed', () => {
    const caps = garageCapacities(1000, 224_782, seededRandom(1));
    expect(caps.reduce((a, b) => a + b, 0)).toBe(224_782);
    const sorted = [...caps].sort((a, b) => a - b);
    expect(sorted[0]).toBeGreaterThanOrEqual(20);
    expect(sorted[999]).toBeLessThanOrEqual(2_500);
    expect(sorted[500]).toBeGreaterThanOrEqual(100); // median: a typical garage of 100–300
    expect(sorted[500]).toBeLessThanOrEqual(300);
    expect(caps.filter((c) => c >= 500).length).toBeGreaterThan(20); // and a tail of big ones
    expect(garageCapacities(3, 3, seededRandom(1))).toEqual([1, 1, 1]);
  });

  it('street segments are 8–40 bays and add up exactly', () => {
    for (const total of [8, 9, 40, 41, 47, 48, 1000, 23_310]) {
      const segs = streetSegments(total, seededRandom(total));
      expect(segs.reduce((a, b) => a + b, 0)).toBe(total);
      for (const s of segs) { expect(s).toBeGreaterThanOrEqual(8); expect(s).toBeLessThanOrEqual(40); }
    }
    expect(streetSegments(5, seededRandom(1))).toEqual([5]);
  });
});

describe('generateCity: the zhengzhou preset', () => {
  let city: GeneratedCity;
  beforeAll(() => { city = generateCity({ preset: 'zhengzhou' }); });

  it('has the reference city’s garages and bays, exactly', () => {
    const garages = city.lots.filter((l) => l.kind === 'garage');
    const streets = city.lots.filter((l) => l.kind === 'street');
    expect(garages).toHaveLength(1000);
    expect(garages.reduce((a, l) => a + l.capacity, 0)).toBe(224_782);
    expect(streets.reduce((a, l) => a + l.capacity, 0)).toBe(23_310);
    expect(city.bays).toHaveLength(224_782 + 23_310);
    expect(city.drivers.count).toBe(1_100_000);
    expect(streets.filter((s) => s.capacity < 8 || s.capacity > 40)).toEqual([]);
    expect(new Set(city.lots.map((l) => l.district))).toEqual(new Set(['Jinshui', 'Erqi', 'Zhongyuan', 'Guancheng', 'Zhengdong', 'Huiji']));
    expect(city.lots.filter((l) => l.tariffId !== (l.kind === 'street' ? 'zz-street' : 'zz-garage'))).toEqual([]);
  });

  it('has unique, well-formed codes and every bay belongs to a lot of the right capacity', () => {
    const lotIds = new Set(city.lots.map((l) => l.id));
    expect(lotIds.size).toBe(city.lots.length);
    expect([...lotIds].filter((id) => !/^ZZ-(JS|EQ|ZY|GC|ZD|HJ)-\d{4,}$/.test(id))).toEqual([]);
    const codes = new Set(city.bays.map((b) => b.code));
    expect(codes.size).toBe(city.bays.length);
    const perLot = new Map<string, number>();
    const malformed: string[] = [];
    for (const b of city.bays) {
      if (!b.code.startsWith(`${b.lotId}-`) || !/^\d{2,}$/.test(b.code.slice(b.lotId.length + 1))) malformed.push(b.code);
      perLot.set(b.lotId, (perLot.get(b.lotId) ?? 0) + 1);
    }
    expect(malformed).toEqual([]);
    expect(city.lots.filter((l) => perLot.get(l.id) !== l.capacity)).toEqual([]);
    const deviceIds = new Set(city.devices.map((d) => d.id));
    expect(deviceIds.size).toBe(city.devices.length);
  });

  it('has tenants as a real city does: the street company owns every segment and no garage; garages split among several operators, one of ≥ 200 lots and ≥ 50k bays', () => {
    const by = new Map<string, { lots: number; bays: number; kinds: Set<string> }>();
    for (const l of city.lots) {
      const o = by.get(l.operatorId) ?? { lots: 0, bays: 0, kinds: new Set<string>() };
      o.lots += 1; o.bays += l.capacity; o.kinds.add(l.kind);
      by.set(l.operatorId, o);
    }
    expect(new Set(by.keys())).toEqual(new Set(city.operators.map((o) => o.id)));
    expect([...by.get(STREET_OPERATOR)!.kinds]).toEqual(['street']);
    expect(by.get(STREET_OPERATOR)!.bays).toBe(23_310);
    const garageOperators = [...by].filter(([id]) => id !== STREET_OPERATOR);
    expect(garageOperators.length).toBeGreaterThanOrEqual(3);
    expect(garageOperators.every(([, o]) => [...o.kinds].join() === 'garage')).toBe(true);
    const big = by.get(BIG_OPERATOR)!;
    expect(big.lots).toBeGreaterThanOrEqual(200);
    expect(big.bays).toBeGreaterThanOrEqual(50_000);
    // The biggest: the one the console benchmark signs in as.
    expect(Math.max(...garageOperators.map(([, o]) => o.bays))).toBe(big.bays);
    // Same seed, same tenants.
    const again = generateCity({ preset: 'zhengzhou', drivers: 0 });
    expect(again.lots.map((l) => l.operatorId)).toEqual(city.lots.map((l) => l.operatorId));
  });

  it('places every lot, bay and street segment inside the central districts’ extent', () => {
    expect(city.lots.filter((l) => !inside(l.lat, l.lng) || (l.path ?? []).some(([lng, lat]) => !inside(lat, lng)))).toEqual([]);
    expect(city.bays.filter((b) => !inside(b.lat, b.lng))).toEqual([]);
  });

  it('watches every bay: a sensor each, street bays by exactly one camera of 4–8 bays, 1–4 gate cameras a garage', () => {
    const lotOf = new Map(city.lots.map((l) => [l.id, l]));
    const bayLot = new Map(city.bays.map((b) => [b.code, b.lotId]));
    const sensed = new Set<string>();
    const watched = new Map<string, number>();
    const gates = new Map<string, number>();
    const wrong: string[] = [];
    for (const d of city.devices) {
      if (d.kind === 'bay-sensor') {
        if (bayLot.get(d.bayCode!) !== d.lotId) wrong.push(d.id);
        sensed.add(d.bayCode!);
      } else if (d.kind === 'bay-camera') {
        if (d.bays!.length < 4 || d.bays!.length > 8 || lotOf.get(d.lotId!)!.kind !== 'street') wrong.push(d.id);
        for (const b of d.bays!) {
          if (bayLot.get(b) !== d.lotId) wrong.push(`${d.id}:${b}`);
          watched.set(b, (watched.get(b) ?? 0) + 1);
        }
      } else if (d.kind === 'gate-camera') {
        if (lotOf.get(d.lotId!)!.kind !== 'garage') wrong.push(d.id);
        gates.set(d.lotId!, (gates.get(d.lotId!) ?? 0) + 1);
      }
    }
    expect(wrong).toEqual([]);
    expect(sensed.size).toBe(city.bays.length);
    const streetBays = city.bays.filter((b) => lotOf.get(b.lotId)!.kind === 'street');
    expect(watched.size).toBe(streetBays.length);
    expect([...watched.values()].every((n) => n === 1)).toBe(true);
    expect(city.lots.filter((l) => l.kind === 'garage' && !((gates.get(l.id) ?? 0) >= 1 && (gates.get(l.id) ?? 0) <= 4))).toEqual([]);
  });
});

describe('generateCity: gateways', () => {
  it('puts every bay sensor under exactly one gateway of at most N children, gateways first', () => {
    const city = generateCity({ preset: 'small', gatewayChildren: 64, drivers: 0 });
    const gateways = city.devices.filter((d) => d.kind === 'gateway');
    const sensors = city.devices.filter((d) => d.kind === 'bay-sensor');
    expect(gateways).toHaveLength(Math.ceil(sensors.length / 64));
    expect(city.devices.slice(0, gateways.length).every((d) => d.kind === 'gateway')).toBe(true);
    for (const g of gateways) { expect(g.lotId).toBeNull(); expect(g.gatewayId).toBeUndefined(); }
    const children = new Map<string, number>();
    for (const s of sensors) children.set(s.gatewayId!, (children.get(s.gatewayId!) ?? 0) + 1);
    expect([...children.keys()].sort()).toEqual(gateways.map((g) => g.id).sort());
    expect(Math.max(...children.values())).toBe(64);
    expect([...children.values()].filter((n) => n < 64).length).toBeLessThanOrEqual(1);
    expect(city.devices.filter((d) => d.kind !== 'bay-sensor' && d.gatewayId)).toEqual([]);
    // Without the option, the same city has no gateways and the same sensors.
    const plain = generateCity({ preset: 'small', drivers: 0 });
    expect(plain.devices.some((d) => d.kind === 'gateway')).toBe(false);
    expect(sensors.map(({ gatewayId, ...d }) => d)).toEqual(plain.devices.filter((d) => d.kind === 'bay-sensor'));
  });
});

describe('generateCity: drivers', () => {
  it('streams drivers with unique phones and valid unique plates, ~30% contactless with a payment method', () => {
    const drivers: GeneratedDriver[] = [...generateCity({ preset: 'small' }).drivers];
    expect(drivers).toHaveLength(20_000);
    expect(new Set(drivers.map((d) => d.phone)).size).toBe(20_000);
    for (const d of drivers.slice(0, 500)) expect(d.phone).toMatch(/^1[3-9]\d{9}$/);
    const plates = drivers.flatMap((d) => d.plates);
    expect(new Set(plates).size).toBe(plates.length);
    for (const p of plates.slice(0, 2000)) expect(normalizePlate(p)).toMatchObject({ ok: true, plate: p });
    expect(drivers.every((d) => d.plates.length >= 1 && d.plates.length <= 2)).toBe(true);
    const contactless = drivers.filter((d) => d.contactless);
    expect(contactless.length / drivers.length).toBeGreaterThan(0.27);
    expect(contactless.length / drivers.length).toBeLessThan(0.33);
    expect(drivers.every((d) => (d.payment !== null) === d.contactless)).toBe(true);
    expect(contactless[0].payment!.token).toBe(`tok_ok_${contactless[0].n}`);
  });
});

describe('loadGeneratedCity into the embedded database', () => {
  let dir: string;
  let db: Database;
  let city: GeneratedCity;
  let summary: LoadSummary;
  const stages: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-city-'));
    db = await openDatabase({ dataDir: dir });
    await migrate(db.pool);
    city = generateCity({ preset: 'small', gatewayChildren: 100, drivers: 5_000 });
    summary = await loadGeneratedCity(db.pool, city, {
      credentialsFile: path.join(dir, 'creds.json'), mqtt: { host: '127.0.0.1', port: 1883 },
      onProgress: (e) => { if (e.final) stages.push(e.stage); },
    });
  });
  afterAll(async () => {
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives every operator an admin sign-in and the city team one, written beside the device credentials; the big operator is the admin', async () => {
    const file = await writeConsoleAccounts(db.pool, city, path.join(dir, 'operator-console.json'));
    const accounts = JSON.parse(readFileSync(file, 'utf8')) as ConsoleAccountsFile;
    expect(accounts.operators.map((o) => o.account).sort()).toEqual(city.operators.map((o) => o.id).sort());
    expect(accounts.admin.account).toBe(BIG_OPERATOR);
    const row = async (id: string) => (await db.pool.query('SELECT operator_id, role, active, must_set_password, password_hash FROM operator_accounts WHERE id = $1', [id])).rows[0];
    for (const o of accounts.operators) {
      const a = await row(o.account);
      expect(a).toMatchObject({ operator_id: o.account, role: 'admin', active: true, must_set_password: false });
      expect(await verifyPassword(o.password, a.password_hash)).toBe(true);
      expect(o.lots).toBe(city.lots.filter((l) => l.operatorId === o.account).length);
    }
    const team = await row(accounts.city.account);
    expect(team).toMatchObject({ operator_id: null, role: 'city' });
    expect(await verifyPassword(accounts.city.password, team.password_hash)).toBe(true);
    expect(await verifyPassword('not-the-password', (await row(accounts.admin.account)).password_hash)).toBe(false);
  });

  it('stores what was generated, counted in the database', async () => {
    const q = async (sql: string) => (await db.pool.query(sql)).rows[0].n as number;
    const sensors = city.devices.filter((d) => d.kind === 'bay-sensor').length;
    const gateways = city.devices.filter((d) => d.kind === 'gateway').length;
    let drivers = 0, plates = 0, contactless = 0, contactlessPlates = 0;
    for (const d of city.drivers) {
      drivers += 1; plates += d.plates.length;
      if (d.contactless) { contactless += 1; contactlessPlates += d.plates.length; }
    }
    expect(await isEmpty(db.pool)).toBe(false);
    expect(await q('SELECT count(*)::int AS n FROM lots')).toBe(city.lots.length);
    expect(await q(`SELECT count(*)::int AS n FROM lots WHERE kind = 'garage'`)).toBe(50);
    expect(await q('SELECT count(*)::int AS n FROM bays')).toBe(city.bays.length);
    expect(await q('SELECT count(*)::int AS n FROM bay_state WHERE occupied IS NULL')).toBe(city.bays.length);
    expect(await q('SELECT sum(unknown)::int AS n FROM lot_availability')).toBe(city.bays.length);
    expect(await q('SELECT count(*)::int AS n FROM devices')).toBe(city.devices.length);
    expect(await q(`SELECT count(*)::int AS n FROM devices WHERE kind = 'gateway' AND lot_id IS NULL`)).toBe(gateways);
    expect(await q(`SELECT count(*)::int AS n FROM devices WHERE gateway_id IS NOT NULL AND kind = 'bay-sensor'`)).toBe(sensors);
    expect(await q('SELECT count(*)::int AS n FROM camera_bays')).toBe(city.devices.reduce((a, d) => a + (d.bays?.length ?? 0), 0));
    expect(await q('SELECT count(*)::int AS n FROM lot_billing')).toBe(city.lots.length);
    expect(await q(`SELECT count(*)::int AS n FROM lot_billing b JOIN lots l ON l.id = b.lot_id
                    WHERE b.tariff_id <> CASE l.kind WHEN 'street' THEN 'zz-street' ELSE 'zz-garage' END`)).toBe(0);
    expect(await q(`SELECT count(DISTINCT id)::int AS n FROM tariffs WHERE id IN ('zz-street', 'zz-garage')`)).toBe(2);
    expect(await q('SELECT count(*)::int AS n FROM drivers')).toBe(drivers);
    expect(await q(`SELECT count(*)::int AS n FROM drivers WHERE password_hash = '${DISABLED_PASSWORD_HASH}'`)).toBe(drivers);
    expect(await q('SELECT count(*)::int AS n FROM driver_plates')).toBe(plates);
    expect(await q('SELECT count(*)::int AS n FROM driver_plates WHERE contactless')).toBe(contactlessPlates);
    expect(await q(`SELECT count(*)::int AS n FROM payment_methods WHERE provider = 'simpay' AND token LIKE 'tok_ok_%'`)).toBe(contactless);
    // Each contactless plate reaches its owner's payment method (what payments/charging.ts charges).
    expect(await q(`SELECT count(*)::int AS n FROM driver_plates p JOIN payment_methods m ON m.driver_id = p.driver_id WHERE p.contactless`)).toBe(contactlessPlates);
    expect(summary.rows).toMatchObject({ drivers, plates, paymentMethods: contactless, lotBilling: city.lots.length });
    expect(stages).toEqual(['lots', 'bays', 'bay_state', 'lot_availability', 'devices', 'camera_bays', 'credentials', 'tariffs', 'lot_billing', 'drivers']);
  });

  it('writes compact credentials whose secrets match the stored hashes', async () => {
    const text = readFileSync(path.join(dir, 'creds.json'), 'utf8');
    expect(text.includes('\n')).toBe(false);
    const file = JSON.parse(text);
    expect(file.devices).toHaveLength(city.devices.length);
    const gw = file.devices.find((d: { kind: string }) => d.kind === 'gateway');
    const { rows } = await db.pool.query('SELECT secret_hash FROM devices WHERE id = $1', [gw.id]);
    expect(verifyDeviceSecret(gw.secret, rows[0].secret_hash)).toBe(true);
  });
});
