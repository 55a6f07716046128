// bench:city's flags (load-tests/bench-city.ts): parsed and checked once, with the usage text.
import { parseArgs } from 'node:util';
import type { FleetFaults } from '../../simulators/fleet.ts';

const USAGE = `Usage: npm run bench:city -- [--data-dir DIR] [--speed 10] [--seconds 120] [--mode per-device|gateway]
  [--heartbeat 600] [--ramp S] [--warmup-max 300] [--initial-occupancy F] [--sim-start T] [--no-billing] [--log-level error]
  [--loss P --duplicate P --late P --misread P --stuck P --dead P --flaky P --clock-skew S --battery-drain V --storm-every S --storm-share P] [--database-url URL] [--external-broker]
DIR is a city made by \`npm run city -- --data-dir DIR\`; without it, the demo city in a temporary directory.
--database-url URL: on that PostgreSQL server (the city's database, or a scratch one for the demo city), not embedded.
--external-broker: the devices (per-device mode) connect to a Mosquitto 2 of the run's own with dynamic security; the
platform starts no broker and consumes their events through a shared subscription (MQTT_BROKER_URL).
--heartbeat is each device's interval in simulated seconds (a real sensor's 10 minutes by default), so at
--speed 10 a device beats every 60 real seconds. --ramp spreads the start-up state report over S real
seconds (default: paced at 4,000 msg/s, at most 300 s). The platform runs in its own process (heap cap
ONELOT_HEAP_MB, default 1024) and logs to stderr at --log-level; billing always runs, as in npm start:
--no-billing only skips checking that sessions were billed to the right plate. --sim-start T (ISO,
e.g. 2026-11-30T09:00:00+08:00; default now) is the simulated clock at the start: demand follows it.`;

export function fail(message: string): never {
  console.error(`bench:city: ${message}`);
  process.exit(2);
}

/** The flags, checked; undefined after --help. */
export function options() {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' }, speed: { type: 'string', default: '10' }, seconds: { type: 'string', default: '120' },
      mode: { type: 'string' }, heartbeat: { type: 'string', default: '600' }, 'warmup-max': { type: 'string', default: '300' },
      ramp: { type: 'string' }, 'log-level': { type: 'string', default: 'error' },
      'initial-occupancy': { type: 'string' }, 'sim-start': { type: 'string' }, seed: { type: 'string', default: '1' }, 'no-billing': { type: 'boolean', default: false },
      loss: { type: 'string' }, duplicate: { type: 'string' }, late: { type: 'string' }, misread: { type: 'string' },
      stuck: { type: 'string' }, dead: { type: 'string' }, flaky: { type: 'string' }, 'clock-skew': { type: 'string' }, 'battery-drain': { type: 'string' },
      'storm-every': { type: 'string' }, 'storm-share': { type: 'string' }, 'database-url': { type: 'string' }, 'external-broker': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { console.log(USAGE); return undefined; }
  const num = (flag: string, v: string | undefined, ok: (n: number) => boolean = (n) => n >= 0): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || !ok(n)) fail(`--${flag} "${v}" is not valid`);
    return n;
  };
  const speed = num('speed', values.speed, (n) => n > 0)!;
  // A device's interval is simulated time; the fleet's is real time.
  const heartbeatDeviceSeconds = num('heartbeat', values.heartbeat, (n) => n > 0)!;
  const logLevel = values['log-level'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(logLevel)) fail(`--log-level "${logLevel}" is not a pino level`);
  const stormEvery = num('storm-every', values['storm-every'], (n) => n > 0);
  const faults: FleetFaults = {
    loss: num('loss', values.loss), duplicate: num('duplicate', values.duplicate), late: num('late', values.late), misread: num('misread', values.misread),
    stuck: num('stuck', values.stuck), dead: num('dead', values.dead), flaky: num('flaky', values.flaky), clockSkewSeconds: num('clock-skew', values['clock-skew']),
    batteryDrainPerDay: num('battery-drain', values['battery-drain']),
    reconnectStorm: stormEvery ? { everySeconds: stormEvery, share: num('storm-share', values['storm-share']) ?? 0.1 } : undefined,
  };
  const simStart = values['sim-start'] === undefined ? undefined : Date.parse(values['sim-start']) || fail(`--sim-start "${values['sim-start']}" is not an ISO time such as 2026-11-30T18:00:00+08:00`);
  return {
    given: values['data-dir'], simStart, speed, seconds: num('seconds', values.seconds, (n) => n > 0)!, mode: values.mode, heartbeatDeviceSeconds,
    heartbeatSeconds: heartbeatDeviceSeconds / speed, startupRampSeconds: num('ramp', values.ramp), logLevel,
    warmupMaxMs: num('warmup-max', values['warmup-max'])! * 1000, faults, seed: Number(values.seed), billing: !values['no-billing'],
    initialOccupancy: num('initial-occupancy', values['initial-occupancy'], (n) => n <= 1), databaseUrl: values['database-url'], externalBroker: values['external-broker'],
  };
}

export type Options = NonNullable<ReturnType<typeof options>>;
