import { it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../core/config.ts';
import { cityModules } from '../platform.ts';
import { routesTable, BEGIN, END, type OpenApiDocument } from '../scripts/routes-table.ts';
import { startTestPlatform, tempDataDir } from './helpers.ts';
it('writes the table', async () => {
  const dataDir = tempDataDir();
  const p = await startTestPlatform({ dataDir, modules: cityModules(loadConfig({ DATA_DIR: dataDir })).modules });
  const doc = await (await fetch(`${p.httpUrl}/docs/json`)).json();
  const table = routesTable(doc as OpenApiDocument);
  const file =./docs/security.md';
  const md = readFileSync(file, 'utf8');
  writeFileSync(file, md.slice(0, md.indexOf(BEGIN) + BEGIN.length) + '\n' + table + '\n' + md.slice(md.indexOf(END)));
  await p.destroy();
}, 600_000);
