import { loadConfig } from './core/config.ts';
import { cityModules } from './platform.ts';
import { startTestPlatform, tempDataDir } from './test/helpers.ts';
const dataDir = tempDataDir();
const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', SCHEDULED_JOBS: 'false' };
const p = await startTestPlatform({ dataDir, env: ENV, modules: cityModules(loadConfig({ ...ENV, DATA_DIR: dataDir })).modules });
const { execFileSync } = await import('node:child_process');
try { console.log(execFileSync('npx', ['tsx', 'scripts/routes-table.ts', p.httpUrl, '--write']).toString()); } finally { await p.destroy(); }
