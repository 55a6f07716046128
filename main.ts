// npm start: the whole platform with a live demo on embedded defaults. Ctrl-C stops it cleanly.
import { loadConfig, ConfigError, assertSafeForProduction } from './core/config.ts';
import { cityModules, startPlatform, type Platform } from './platform.ts';

let config;
try {
  config = loadConfig();
  assertSafeForProduction(config);
} catch (err) {
  if (err instanceof ConfigError) { console.error(err.message); process.exit(2); }
  throw err;
}

let platform: Platform;
try {
  platform = await startPlatform(config, { modules: cityModules(config).modules });
} catch (err) {
  console.error(`OneLot could not start: ${(err as Error).message}`);
  process.exit(1);
}

let stopSimulator: (() => Promise<void>) | undefined;
if (config.SIMULATE) {
  const { startDemoSimulator } = await import('./simulators/demo-simulator.ts');
  stopSimulator = await startDemoSimulator(platform, config.SIM_SPEED);
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

console.log(`
  OneLot is running.
    Map:      ${platform.httpUrl}/
    API docs: ${platform.httpUrl}/docs
    Health:   ${platform.httpUrl}/healthz   Metrics: ${platform.httpUrl}/metrics
    MQTT:     ${platform.mqttUrl}  (device credentials: ${platform.credentialsFile})
    Database: ${platform.db.mode === 'embedded' ? `embedded TimescaleDB in ${config.DATA_DIR}` : `DATABASE_URL, ${platform.db.engine === 'timescaledb' ? 'TimescaleDB' : 'PostgreSQL without TimescaleDB (native partitions)'}`}
    Simulator: ${config.SIMULATE ? `on, ${config.SIM_SPEED}× speed` : 'off (SIMULATE=false)'}
  Press Ctrl-C to stop.
`);
