// `npm run city`: generate a deterministic city (seed/city-generator.ts) and load it into a
// fresh database, printing a line per stage. A platform started later on the same DATA_DIR serves
// that city (the demo seed runs only on an empty database).
import path from 'node:path';
import { ConfigError, loadConfig } from '../core/config.ts';
import { openDatabase, migrate } from '../core/db/index.ts';
import { exitWithUsageError, parseFlags, UsageError } from './args.ts';
import { isEmpty } from './city-loader.ts';
import { CITY_LIMITS, CITY_PRESETS, CityOptionError, cityCounts, generateCity, type GenerateCityOptions } from './city-generator.ts';
import { loadGeneratedCity, writeConsoleAccounts, type LoadProgressEvent } from './city-load.ts';

const USAGE = `Usage: npm run city -- [options]
  --preset NAME       demo | small | district | zhengzhou (default small)
                        small: ~50 garages, 2,000 street bays, 20k drivers
                        district: ~200 garages, 6,000 street bays, 100k drivers
                        zhengzhou: 1,000 garages (224,782 bays), 23,310 street bays, 1.1M drivers
  --garages N         number of closed garages (garage bays scale with it unless --garage-bays)
  --garage-bays N     bays over all garages
  --street-bays N     on-street bays (segments of 8–40)
  --drivers N         registered drivers (password login disabled; see below)
  --seed N            random seed (default 20261123): same seed, same city
  --gateways N        group bay sensors under gateway devices of N children each
  --data-dir DIR      database directory (default: $DATA_DIR or ./data-city-<preset>)
  --credentials FILE  device credentials JSON (default: DIR/demo-devices.json, where npm start looks)
  --dry-run           generate and print counts only
Uses DATABASE_URL instead of the embedded database when set. Refuses a database that already has lots.
Generated drivers cannot log in (password_hash '!disabled'); they exist for plates, contactless
payment and load tests.`;

// A whole number within what the generator accepts.
const count = ([min, max]: readonly [number, number], unit?: string) => ({ type: 'number', integer: true, min, max, unit } as const);
const FLAGS = {
  preset: { type: 'enum', values: CITY_PRESETS, default: 'small' },
  garages: count(CITY_LIMITS.garages), 'garage-bays': count(CITY_LIMITS.garageBays), 'street-bays': count(CITY_LIMITS.streetBays),
  drivers: count(CITY_LIMITS.drivers),
  seed: count(CITY_LIMITS.seed), // default: the generator's (20261123)
  gateways: count(CITY_LIMITS.gatewayChildren, 'children per gateway'),
  'data-dir': { type: 'string' },
  credentials: { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface CliOptions { gen: GenerateCityOptions; dataDir: string; credentialsFile: string; dryRun: boolean }

function parseCli(argv: string[], env: Record<string, string | undefined>): CliOptions | 'help' {
  const f = parseFlags(argv, FLAGS);
  if (f.help) return 'help';
  const dataDir = path.resolve(f['data-dir'] ?? (env.DATA_DIR || `./data-city-${f.preset}`));
  return {
    gen: {
      preset: f.preset, garages: f.garages, garageBays: f['garage-bays'], streetBays: f['street-bays'], drivers: f.drivers,
      seed: f.seed, gatewayChildren: f.gateways,
    },
    dataDir,
    credentialsFile: path.resolve(f.credentials ?? path.join(dataDir, 'demo-devices.json')),
    dryRun: f['dry-run'],
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rate = (rows: number, ms: number) => (ms > 0 ? `${fmt((rows * 1000) / ms)} rows/s` : '—');

async function main(): Promise<number> {
  let opts: CliOptions | 'help';
  let config;
  try {
    opts = parseCli(process.argv.slice(2), process.env);
    if (opts === 'help') { console.log(USAGE); return 0; }
    // Only what the database and the credentials need; DATA_DIR is resolved above (its default differs).
    config = loadConfig(process.env, { DATA_DIR: opts.dataDir });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) exitWithUsageError('city', err, USAGE);
    throw err;
  }
  const started = performance.now();
  let city;
  try {
    city = generateCity(opts.gen);
  } catch (err) {
    if (err instanceof CityOptionError) { console.error(`city: ${err.message}`); return 2; }
    throw err;
  }
  const c = cityCounts(city);
  console.log(`city: preset ${city.preset}, seed ${city.seed}: ${fmt(c.garages)} garages (${fmt(c.garageBays)} bays), ` +
    `${fmt(c.streetSegments)} street segments (${fmt(c.streetBays)} bays), ${fmt(c.bays)} bays in all, ` +
    `${fmt(c.deviceTotal)} devices (${Object.entries(c.devices).map(([k, v]) => `${fmt(v)} ${k}`).join(', ')}), ${fmt(c.drivers)} drivers` +
    ` — generated in ${secs(performance.now() - started)}`);
  if (opts.dryRun) return 0;

  console.log(`city: opening ${config.DATABASE_URL ? 'the database at DATABASE_URL' : `the embedded database in ${opts.dataDir}`}`);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: opts.dataDir });
  try {
    await migrate(db.pool, (m) => console.log(`city: ${m}`));
    if (!(await isEmpty(db.pool))) {
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM lots');
      console.error(`city: the database ${config.DATABASE_URL ? 'at DATABASE_URL' : `in ${opts.dataDir}`} already has ${fmt(rows[0].n)} lots; ` +
        'a city is loaded only into an empty database. Use a fresh --data-dir (or an empty DATABASE_URL database).');
      return 1;
    }
    let lastPrint = 0;
    const onProgress = (e: LoadProgressEvent) => {
      const now = performance.now();
      // Every stage's last line, and a running line at most every 3 s for the long ones.
      if (!e.final && now - lastPrint < 3000) return;
      lastPrint = now;
      console.log(`city: ${e.stage.padEnd(16)} ${fmt(e.done).padStart(9)}/${fmt(e.total)}  ${secs(e.elapsedMs).padStart(7)}  ${rate(e.done, e.elapsedMs)}${e.final ? '' : ' …'}`);
    };
    const summary = await loadGeneratedCity(db.pool, city, { credentialsFile: opts.credentialsFile, mqtt: { host: config.HOST, port: config.MQTT_PORT }, onProgress });
    const r = summary.rows;
    console.log(`city: loaded ${fmt(r.lots)} lots, ${fmt(r.bays)} bays, ${fmt(r.devices)} devices, ${fmt(r.cameraBays)} camera bays, ` +
      `${fmt(r.drivers)} drivers with ${fmt(r.plates)} plates and ${fmt(r.paymentMethods)} payment methods in ${secs(summary.totalMs)} ` +
      `(total ${secs(performance.now() - started)} with generation)`);
    console.log(`city: device credentials in ${opts.credentialsFile}`);
    const consoleFile = await writeConsoleAccounts(db.pool, city, path.join(path.dirname(opts.credentialsFile), 'operator-console.json'));
    console.log(`city: console sign-ins (every operator's admin and the city team) in ${consoleFile}`);
    // The in-process demo simulator drives every device in the credentials file: too many for a big city.
    console.log(`city: serve it with DATA_DIR=${opts.dataDir} SIMULATE=false npm start${config.DATABASE_URL ? ' (and the same DATABASE_URL)' : ''}`);
    return 0;
  } finally {
    await db.close();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(`city: failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
