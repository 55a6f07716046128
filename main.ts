// npm start: the whole platform with a live demo on embedded defaults. Ctrl-C stops it cleanly.
// `--role ingest|api|jobs` (or ONELOT_ROLE, comma-separated) runs part of it (README, "Roles").
import { loadConfig, ConfigError, assertSafeForProduction, roleArgument } from './core/config.ts';
import { cityModules, startProcess, type OneLotProcess } from './platform.ts';

let config;
try {
  const role = roleArgument(process.argv.slice(2));
  config = loadConfig(role === undefined ? process.env : { ...process.env, ONELOT_ROLE: role });
  assertSafeForProduction(config);
} catch (err) {
  if (err instanceof ConfigError) { console.error(err.message); process.exit(2); }
  throw err;
}

let platform: OneLotProcess;
try {
  platform = await startProcess(config, { modules: cityModules(config).modules });
} catch (err) {
  console.error(`OneLot could not start: ${(err as Error).message}`);
  process.exit(1);
}

let stopSimulator: (() => Promise<void>) | undefined;
// The demo fleet belongs to the all-in-one demo; processes by role are driven from outside (npm run simulate).
// On an external broker (MQTT_BROKER_URL) the demo fleet has no accounts (docs/deploy.md): no simulator.
if (config.SIMULATE && config.MQTT_BROKER_URL) console.log('Simulator: off — the demo fleet has no accounts on the MQTT broker at MQTT_BROKER_URL (docs/deploy.md)');
else if (config.SIMULATE && platform.mqttUrl && platform.roles.size === 3) {
  const { startDemoSimulator } = await import('./simulators/demo-simulator.ts');
  stopSimulator = await startDemoSimulator({ mqttUrl: platform.mqttUrl, credentialsFile: platform.credentialsFile }, config.SIM_SPEED);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping OneLot…`);
  const force = setTimeout(() => { console.error('shutdown took over 15 s; exiting'); process.exit(1); }, 15_000);
  force.unref();
  await stopSimulator?.();
  await platform.close();
  console.log('stopped cleanly');
  process.exit(0);
}
// Handled before the banner says so: a signal in between would otherwise kill the process unclean.
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

const database = platform.db.mode === 'embedded' ? `embedded TimescaleDB in ${config.DATA_DIR}`
  : `DATABASE_URL, ${platform.db.engine === 'timescaledb' ? 'TimescaleDB' : 'PostgreSQL without TimescaleDB (native partitions)'}`;
if (platform.roles.size === 3) {
  console.log(`
  OneLot is running.
    Map:      ${platform.httpUrl}/
    API docs: ${platform.httpUrl}/docs
    Health:   ${platform.httpUrl}/healthz   Metrics: ${platform.httpUrl}/metrics
    MQTT:     ${platform.mqttUrl}  (device credentials: ${platform.credentialsFile})
    Database: ${database}
    Simulator: ${stopSimulator ? `on, ${config.SIM_SPEED}× speed` : config.SIMULATE ? 'off' : 'off (SIMULATE=false)'}
  Press Ctrl-C to stop.
`);
} else {
  // One line a role: what a process of a deployment does, and where (scripts read these lines).
  console.log(`\n  OneLot is running as ${[...platform.roles].join(', ')} (pid ${process.pid}).`);
  if (platform.mqttUrl) console.log(`    MQTT:     ${platform.mqttUrl}  (device credentials: ${platform.credentialsFile})`);
  if (platform.httpUrl) console.log(`    HTTP:     ${platform.httpUrl}/   Health: ${platform.httpUrl}/healthz`);
  if (platform.roles.has('jobs')) console.log(`    Jobs:     ${config.SCHEDULED_JOBS ? `run by whichever jobs process holds the jobs lock (asked for every ${config.JOBS_LOCK_RETRY_MS} ms)` : 'off (SCHEDULED_JOBS=false)'}`);
  console.log(`    Database: ${database}\n  Press Ctrl-C to stop.\n`);
}
