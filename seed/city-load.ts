// Loads a generated city (seed/city-generator.ts) into the database: the city itself through
// loadCity (operators, lots, bays, state, devices, camera assignments, credentials file), then
// billing (tariffs, one lot_billing row a lot), then the driver population with plates and payment
// methods. Everything goes in as unnest batches, so the reference city takes minutes, not hours.
//
// Generated drivers get password_hash '!disabled': it is no scrypt hash, so verifyPassword
// (core/passwords.ts) refuses every password and these accounts cannot log in. Running scrypt
// (~50 ms by design) 1.1 million times would take 15 CPU-hours; real drivers register through the API.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Pool } from '../core/db/index.ts';
import { createCityAccount, createOperator } from '../operators/index.ts';
import { DEMO_TARIFFS } from './demo-tariffs.ts';
import { tariffFamilyId } from '../billing/index.ts';
import { loadCity, type CredentialsFile } from './city-loader.ts';
import { BIG_OPERATOR, type GeneratedCity, type GeneratedDevice, type GeneratedDriver } from './city-generator.ts';

export const DISABLED_PASSWORD_HASH = '!disabled';
/** Drivers per statement: big enough to amortise a round trip, small enough for a 1-connection pool. */
export const DRIVER_BATCH = 10_000;

export interface LoadProgressEvent {
  stage: string;
  /** Rows of this stage written so far, of `total`. */
  done: number;
  total: number;
  /** Since the stage started. */
  elapsedMs: number;
  /** The stage's last event. */
  final: boolean;
}
export interface StageSummary { stage: string; rows: number; ms: number }
export interface LoadSummary {
  stages: StageSummary[];
  totalMs: number;
  rows: { lots: number; bays: number; devices: number; cameraBays: number; drivers: number; plates: number; paymentMethods: number; lotBilling: number; tariffs: number };
  credentials: CredentialsFile<GeneratedDevice>;
}
export interface LoadGeneratedOptions {
  credentialsFile: string;
  mqtt: { host: string; port: number };
  onProgress?: (e: LoadProgressEvent) => void;
  driverBatch?: number;
}

/** Load `city` into an empty, migrated database. Rows are not replaced: a second load fails on the first duplicate key. */
export async function loadGeneratedCity(pool: Pool, city: GeneratedCity, opts: LoadGeneratedOptions): Promise<LoadSummary> {
  const t0 = performance.now();
  const stages: StageSummary[] = [];
  let current: { stage: string; start: number; rows: number; closed: boolean } | null = null;
  const close = (now: number) => {
    if (current && !current.closed) {
      current.closed = true;
      stages.push({ stage: current.stage, rows: current.rows, ms: now - current.start });
    }
  };
  // A stage starts where the previous one ended (loadCity reports only finished batches), and ends
  // at its last row or, if it wrote fewer rows than expected (ON CONFLICT), when the next begins.
  const emit = (name: string, done: number, total: number) => {
    const now = performance.now();
    if (current?.stage !== name) {
      close(now);
      current = { stage: name, start: t0 + stages.reduce((a, s) => a + s.ms, 0), rows: 0, closed: false };
    }
    current.rows = done;
    const final = done >= total;
    if (final) close(now);
    opts.onProgress?.({ stage: name, done, total, elapsedMs: now - current.start, final });
  };

  const credentials = await loadCity(pool, city, {
    credentialsFile: opts.credentialsFile, mqtt: opts.mqtt, compactCredentials: true, progress: emit,
  });
  // loadCity writes the credentials file last.
  emit('credentials', city.devices.length, city.devices.length);

  const tariffs = await pool.query(
    `INSERT INTO tariffs (id, version, valid_from, body)
     SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::jsonb[]) ON CONFLICT DO NOTHING`,
    [DEMO_TARIFFS.map(tariffFamilyId), DEMO_TARIFFS.map((t) => t.version), DEMO_TARIFFS.map((t) => t.validFrom), DEMO_TARIFFS.map((t) => JSON.stringify(t))],
  );
  emit('tariffs', DEMO_TARIFFS.length, DEMO_TARIFFS.length);
  const families = new Set(DEMO_TARIFFS.map(tariffFamilyId));
  const unknown = city.lots.find((l) => !families.has(l.tariffId));
  if (unknown) throw new Error(`lot ${unknown.id} names tariff "${unknown.tariffId}", which is not one of seed/demo-tariffs.ts (${[...families].join(', ')})`);
  const billing = await pool.query(
    'INSERT INTO lot_billing (lot_id, tariff_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING',
    [city.lots.map((l) => l.id), city.lots.map((l) => l.tariffId)],
  );
  emit('lot_billing', billing.rowCount ?? 0, billing.rowCount ?? 0);

  const drivers = await loadDrivers(pool, city.drivers, opts.driverBatch ?? DRIVER_BATCH, (done) => emit('drivers', done, city.drivers.count));
  if (city.drivers.count === 0) emit('drivers', 0, 0);
  close(performance.now());

  const cameraBays = city.devices.reduce((a, d) => a + (d.bays?.length ?? 0), 0);
  return {
    stages,
    totalMs: performance.now() - t0,
    rows: {
      lots: city.lots.length, bays: city.bays.length, devices: city.devices.length, cameraBays,
      drivers: city.drivers.count, plates: drivers.plates, paymentMethods: drivers.paymentMethods,
      lotBilling: billing.rowCount ?? 0, tariffs: tariffs.rowCount ?? 0,
    },
    credentials,
  };
}

// One statement a batch: the drivers, then their plates and payment methods joined to the ids the
// insert returned (by phone, which is unique). Foreign keys are checked at the end of the statement.
const DRIVERS_SQL = `
WITH d AS (
  INSERT INTO drivers (phone, password_hash, name)
  SELECT phone, '${DISABLED_PASSWORD_HASH}', name FROM unnest($1::text[], $2::text[]) AS t(phone, name)
  RETURNING id, phone
), p AS (
  INSERT INTO driver_plates (plate, driver_id, contactless)
  SELECT x.plate, d.id, x.contactless FROM unnest($3::text[], $4::text[], $5::bool[]) AS x(plate, phone, contactless) JOIN d ON d.phone = x.phone
  RETURNING 1
)
INSERT INTO payment_methods (driver_id, provider, token, label, is_default)
SELECT d.id, 'simpay', y.token, y.label, true FROM unnest($6::text[], $7::text[], $8::text[]) AS y(phone, token, label) JOIN d ON d.phone = y.phone`;

async function loadDrivers(pool: Pool, population: Iterable<GeneratedDriver>, batch: number, progress: (done: number) => void): Promise<{ plates: number; paymentMethods: number }> {
  let done = 0, plates = 0, paymentMethods = 0;
  let cols = emptyColumns();
  // One batch in flight while the next is generated: the database runs in its own thread (or server).
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const c = cols;
    cols = emptyColumns();
    await inFlight;
    if (!c.phone.length) return;
    inFlight = pool.query(DRIVERS_SQL, [c.phone, c.name, c.plate, c.platePhone, c.contactless, c.payPhone, c.token, c.label]).then(() => {
      done += c.phone.length;
      plates += c.plate.length;
      paymentMethods += c.token.length;
      progress(done);
    });
    // Rejections surface at the next await of inFlight; this only stops a premature "unhandled" crash.
    inFlight.catch(() => {});
  };
  for (const d of population) {
    cols.phone.push(d.phone);
    cols.name.push(d.name);
    for (const plate of d.plates) {
      cols.plate.push(plate);
      cols.platePhone.push(d.phone);
      cols.contactless.push(d.contactless);
    }
    if (d.payment) {
      cols.payPhone.push(d.phone);
      cols.token.push(d.payment.token);
      cols.label.push(d.payment.label);
    }
    if (cols.phone.length >= batch) await flush();
  }
  await flush();
  await inFlight;
  return { plates, paymentMethods };
}

function emptyColumns() {
  return { phone: [] as string[], name: [] as string[], plate: [] as string[], platePhone: [] as string[], contactless: [] as boolean[], payPhone: [] as string[], token: [] as string[], label: [] as string[] };
}

export interface ConsoleAccountsFile {
  /** The biggest garage operator's admin (the demo's file has the same key). */
  admin: { account: string; password: string };
  city: { account: string; password: string };
  operators: Array<{ account: string; password: string; lots: number; bays: number; kinds: string[] }>;
}

/**
 * Every operator of the city gets an admin sign-in (account id = operator id) and the city team
 * one, like the demo's first start (seed/demo-seed.ts): the benchmarks sign in over HTTP with them.
 */
export async function writeConsoleAccounts(pool: Pool, city: GeneratedCity, file: string): Promise<string> {
  const operators: ConsoleAccountsFile['operators'] = [];
  for (const o of city.operators) {
    const lots = city.lots.filter((l) => l.operatorId === o.id);
    const password = randomBytes(12).toString('base64url');
    await createOperator(pool, { id: o.id, name: o.name, password });
    operators.push({ account: o.id, password, lots: lots.length, bays: lots.reduce((a, l) => a + l.capacity, 0), kinds: [...new Set(lots.map((l) => l.kind))] });
  }
  const cityTeam = { account: 'city', password: randomBytes(12).toString('base64url') };
  await createCityAccount(pool, { id: cityTeam.account, name: '城市停车平台', password: cityTeam.password });
  // The demo preset has no op-private: its biggest operator stands in.
  const big = operators.find((o) => o.account === BIG_OPERATOR) ?? [...operators].sort((a, b) => b.bays - a.bays)[0];
  const content: ConsoleAccountsFile = { admin: { account: big.account, password: big.password }, city: cityTeam, operators };
  writeFileSync(file, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  return file;
}
