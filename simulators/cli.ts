// `npm run simulate`: drive a city's device fleet against a running platform's broker.
// Reads the credentials the platform (or `npm run city`) wrote; for the demo city the lots
// (capacities, demand) are regenerated from the same deterministic seed, for other cities they come
// from --api (the platform's lot list) or are inferred from the devices.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../core/config.ts';
import { exitWithUsageError, parseFlags, UsageError } from '../seed/args.ts';
import type { CredentialsFile } from '../seed/city-loader.ts';
import { demoLots, steadyCityOccupancy } from './demo-simulator.ts';
import { lotsForDevices, startFleet, type FleetDevice, type FleetLot, type FleetOptions } from './fleet.ts';

const USAGE = `Usage: npm run simulate -- [options]
  --data-dir DIR        where demo-devices.json is (default: $DATA_DIR or ./data)
  --url URL             broker, e.g. mqtt://127.0.0.1:1883 (default: from demo-devices.json)
  --api URL             platform HTTP API, e.g. http://127.0.0.1:8080: lots (and their demand) of a
                        generated city come from it (default: the demo city's, or inferred from devices)
  --mode per-device|gateway   one MQTT connection per device (default), or one per gateway
                        publishing for its children (needs a city generated with --gateways N)
  --speed N             simulated seconds per real second (default: $SIM_SPEED or 60)
  --loss P --duplicate P --late P --misread P   fault probabilities, 0..1 (default 0)
  --stuck P --dead P    share of sensors stuck on their first value / devices silent after it
  --clock-skew S        each device's clock off by up to ±S seconds
  --battery-drain V     extra battery decline, volts per simulated day (sensors die at 2.2 V)
  --storm-every S --storm-share P   every S real seconds, P of the connections drop and reconnect
  --initial-occupancy F fraction of bays occupied at start, 0..1 (default: what the hour's demand sustains)
  --heartbeat S         real seconds between heartbeats (default 60)
  --timestamps wall|simulated   event times from the real or the simulated clock (default wall)
  --duration S          stop after S real seconds (default: until Ctrl-C)
  --seed N              random seed (default 1)`;

// Fault probabilities and shares, 0..1.
const probability = { type: 'number', min: 0, max: 1, what: 'a probability between 0 and 1' } as const;
const seconds = { type: 'number', above: 0, unit: 'seconds' } as const;
const FLAGS = {
  'data-dir': { type: 'string' },
  url: { type: 'string', pattern: /^mqtts?:\/\/[^/]+/, like: 'mqtt://host:port' },
  api: { type: 'string', pattern: /^https?:\/\/[^/]+/, like: 'http://host:port' },
  mode: { type: 'enum', values: ['per-device', 'gateway'], default: 'per-device' },
  speed: { type: 'number', above: 0 }, // default: SIM_SPEED from the config
  loss: probability, duplicate: probability, late: probability, misread: probability, stuck: probability, dead: probability,
  'clock-skew': { type: 'number', min: 0, unit: 'seconds' },
  'battery-drain': { type: 'number', min: 0, what: 'volts per day ≥ 0' },
  'storm-every': seconds, 'storm-share': probability,
  'initial-occupancy': probability,
  heartbeat: seconds,
  timestamps: { type: 'enum', values: ['wall', 'simulated'], default: 'wall' },
  duration: seconds,
  seed: { type: 'number', integer: true, default: 1 },
  help: { type: 'boolean', short: 'h' },
} as const;

interface CliOptions {
  dataDir: string;
  url?: string;
  api?: string;
  mode: 'per-device' | 'gateway';
  speed: number;
  faults: NonNullable<FleetOptions['faults']>;
  initialOccupancy?: number;
  heartbeatSeconds?: number;
  timestamps: 'wall' | 'simulated';
  durationSeconds?: number;
  seed: number;
}

/** Flags and environment to options; throws UsageError/ConfigError with a message to print. */
function parseCli(argv: string[], env: Record<string, string | undefined>): CliOptions | 'help' {
  const f = parseFlags(argv, FLAGS);
  if (f.help) return 'help';
  const config = loadConfig(env, f['data-dir'] ? { DATA_DIR: f['data-dir'] } : {});
  if ((f['storm-every'] === undefined) !== (f['storm-share'] === undefined)) throw new UsageError('--storm-every and --storm-share go together');
  return {
    dataDir: config.DATA_DIR,
    url: f.url,
    api: f.api?.replace(/\/+$/, ''),
    mode: f.mode,
    speed: f.speed ?? config.SIM_SPEED,
    faults: {
      loss: f.loss, duplicate: f.duplicate, late: f.late, misread: f.misread, stuck: f.stuck, dead: f.dead,
      clockSkewSeconds: f['clock-skew'], batteryDrainPerDay: f['battery-drain'],
      reconnectStorm: f['storm-every'] !== undefined ? { everySeconds: f['storm-every'], share: f['storm-share']! } : undefined,
    },
    initialOccupancy: f['initial-occupancy'],
    heartbeatSeconds: f.heartbeat,
    timestamps: f.timestamps,
    durationSeconds: f.duration,
    seed: f.seed,
  };
}

function readCredentials(file: string): CredentialsFile<FleetDevice> {
  if (!existsSync(file)) {
    throw new UsageError(`No device credentials at ${file}.\nStart the platform once with \`npm start\` to create them (it seeds the demo city and writes this file), or point --data-dir at the platform's data directory.`);
  }
  const creds = JSON.parse(readFileSync(file, 'utf8')) as CredentialsFile<FleetDevice>;
  if (!Array.isArray(creds?.devices) || !creds.mqtt?.port) throw new UsageError(`${file} is not a device credentials file (expected { mqtt: { host, port }, devices: [...] })`);
  return creds;
}

/** The demo city's lots when the credentials are the demo fleet's; else the platform's (--api) or inferred from the devices. */
async function cityLots(devices: FleetDevice[], api: string | undefined): Promise<FleetLot[]> {
  const demo = demoLots();
  const demoIds = new Set(demo.map((l) => l.id));
  if (!api && devices.every((d) => !d.lotId || demoIds.has(d.lotId))) return demo;
  if (api) {
    const res = await fetch(`${api}/api/v1/lots`).catch((err: Error) => { throw new UsageError(`--api ${api}: ${err.message}`); });
    if (!res.ok) throw new UsageError(`--api ${api}: GET /api/v1/lots answered HTTP ${res.status}`);
    const { lots } = await res.json() as { lots: Array<{ id: string; kind: 'garage' | 'street'; capacity: number; nameEn: string }> };
    return lotsForDevices(devices, lots.map((l) => ({ id: l.id, kind: l.kind, capacity: l.capacity, name: l.nameEn })));
  }
  console.warn('simulate: not the demo city; lots inferred from the devices with equal demand (pass --api URL to use the platform\'s lots)');
  return lotsForDevices(devices);
}

const fmt = (n: number) => n.toLocaleString('en-US');
const clock = (t: Date) => t.toLocaleString('en-GB', { timeZone: 'Asia/Shanghai', weekday: 'short', hour: '2-digit', minute: '2-digit' });

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), process.env);
  if (opts === 'help') {
    console.log(USAGE);
    return 0;
  }
  const file = path.join(opts.dataDir, 'demo-devices.json');
  const creds = readCredentials(file);
  // A broker listening on every interface is reached through loopback.
  const host = ['0.0.0.0', '::', ''].includes(creds.mqtt.host) ? '127.0.0.1' : creds.mqtt.host;
  const url = opts.url ?? `mqtt://${host.includes(':') ? `[${host}]` : host}:${creds.mqtt.port}`;

  const lots = await cityLots(creds.devices, opts.api);
  const known = new Set(lots.map((l) => l.id));
  const strangers = creds.devices.filter((d) => d.lotId && !known.has(d.lotId)).length;
  if (strangers) console.warn(`simulate: ${strangers} device(s) in ${file} belong to lots the city does not have; they will only send heartbeats`);
  const now = new Date();
  const initialOccupancy = opts.initialOccupancy ?? steadyCityOccupancy(lots, now);

  let stopRequested = false;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const onSignal = (sig: string) => {
    if (stopRequested) {
      console.error(`simulate: ${sig} again, exiting without waiting`);
      process.exit(130);
    }
    stopRequested = true;
    console.log(`simulate: ${sig}, disconnecting ${fmt(creds.devices.length)} devices…`);
    finished();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  console.log(`simulate: ${fmt(creds.devices.length)} devices, ${lots.length} lots → ${url} (${opts.mode}) at ${opts.speed}× speed` +
    `, starting ${Math.round(initialOccupancy * 100)}% occupied${opts.durationSeconds ? ` for ${opts.durationSeconds} s` : ' (Ctrl-C to stop)'}`);
  const fleet = await startFleet({
    mqttUrl: url, devices: creds.devices, lots, mode: opts.mode, speed: opts.speed, seed: opts.seed, faults: opts.faults,
    heartbeatSeconds: opts.heartbeatSeconds, initialOccupancy, timestamps: opts.timestamps,
    log: (m) => console.log(m),
  });

  const bays = fleet.truth().bays.size;
  const progress = setInterval(() => {
    const s = fleet.stats();
    const faults = s.lost + s.duplicated + s.late + s.dropped + s.errors ? ` · lost ${fmt(s.lost)} dup ${fmt(s.duplicated)} late ${fmt(s.late)} dropped ${fmt(s.dropped)} errors ${fmt(s.errors)}` : '';
    const health = s.stuckDevices + s.deadDevices + s.storms ? ` · stuck ${fmt(s.stuckDevices)} dead ${fmt(s.deadDevices)} storms ${s.storms}` : '';
    console.log(`[${clock(fleet.simulatedTime())}] connected ${fmt(s.connected)}/${fmt(s.links)} · published ${fmt(s.published)} (acked ${fmt(s.acked)})` +
      ` · arrivals ${fmt(s.arrivals)} / departures ${fmt(s.departures)} · turned away ${fmt(s.turnedAway)} · occupancy ${bays ? Math.round((100 * s.occupied) / bays) : 0}%` +
      ` · battery min ${s.battery.min} V, ${fmt(s.battery.low)} low · RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB${faults}${health}`);
  }, 5000);
  const timer = opts.durationSeconds ? setTimeout(finished, opts.durationSeconds * 1000) : undefined;

  if (!stopRequested) await done;
  clearInterval(progress);
  clearTimeout(timer);
  await fleet.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) exitWithUsageError('simulate', err);
    if (err instanceof ConfigError) console.error(`simulate: ${err.message}`);
    else console.error('simulate: failed:', err);
    process.exit(1);
  },
);
