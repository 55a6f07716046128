import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from './core/config.ts';
import { cityModules } from './platform.ts';
import { startTestPlatform, tempDataDir } from './test/helpers.ts';
import { routesTable, BEGIN, END } from './scripts/routes-table.ts';
const dataDir = tempDataDir();
const ENV = { HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', SCHEDULED_JOBS: 'false' };
const p = await startTestPlatform({ dataDir, env: ENV, modules: cityModules(loadConfig({ ...ENV, DATA_DIR: dataDir })).modules });
try {
  const table = routesTable(await (await fetch(`${p.httpUrl}/docs/json`)).json());
  const file = 'docs/security.md';
  const doc = readFileSync(file, 'utf8');
  writeFileSync(file, doc.slice(0, doc.indexOf(BEGIN) + BEGIN.length) + '\n' + table + '\n' + doc.slice(doc.indexOf(END)));
  console.log('written', table.split('\n').length - 2);
} finally { await p.destroy(); }
