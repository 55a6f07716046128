// npm run docs:routes -- [base URL, default http://127.0.0.1:8080] [--write]
// Prints the table of every HTTP route — method, path, who may call it, what it does — from the
// OpenAPI document of a running OneLot (GET /docs/json; start it with `npm start`). Who may call a
// route comes from the document's `security`, which api/openapi.ts derives from the checks the
// server makes. --write puts the table into docs/security.md between its route markers;
// test/security.e2e.test.ts fails when the table there differs from a fresh platform's.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Operation {
  summary?: string;
  security?: Array<Record<string, string[]>>;
  /** Operator routes: the roles that may call it (core/tenancy.ts, written by api/openapi.ts). */
  'x-roles'?: string[];
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
export const BEGIN = '<!-- routes:begin (npm run docs:routes -- --write) -->';
export const END = '<!-- routes:end -->';

/** Who may call an operation, in words, from its `security` requirements. */
function who(op: Operation): string {
  const alternatives = (op.security ?? []).map((req) => Object.keys(req).sort().join(' + '));
  const key = alternatives.sort().join(' | ');
  switch (key) {
    case '': return 'anyone';
    case 'driverToken': return 'driver token';
    case ' | driverToken': return 'anyone; a driver token if sent';
    case 'operatorToken': return `operator token: ${(op['x-roles'] ?? []).join(', ') || 'no role'}`;
    default: throw new Error(`no wording for the security requirement "${key}": add it to scripts/routes-table.ts`);
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

export function routesTable(doc: OpenApiDocument): string {
  const rows: string[][] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (METHODS.includes(method)) rows.push([method.toUpperCase(), p, who(op), op.summary ?? '']);
    }
  }
  rows.sort((a, b) => a[1].localeCompare(b[1]) || METHODS.indexOf(a[0].toLowerCase()) - METHODS.indexOf(b[0].toLowerCase()));
  return [
    '| method | path | who may call it | what it does |',
    '|---|---|---|---|',
    ...rows.map(([m, p, w, s]) => `| ${m} | \`${p}\` | ${w} | ${cell(s)} |`),
  ].join('\n');
}

/** The table docs/security.md holds between its markers, or undefined without them. */
export function tableIn(markdown: string): string | undefined {
  const b = markdown.indexOf(BEGIN);
  const e = markdown.indexOf(END);
  return b < 0 || e < b ? undefined : markdown.slice(b + BEGIN.length, e).trim();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const base = (args.find((a) => !a.startsWith('--')) ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const res = await fetch(`${base}/docs/json`).catch((err: Error) => {
    throw new Error(`could not reach ${base}/docs/json (${err.message}): start OneLot first (npm start), or pass its base URL`);
  });
  if (!res.ok) throw new Error(`${base}/docs/json answered ${res.status}`);
  const table = routesTable((await res.json()) as OpenApiDocument);
  if (!write) {
    console.log(table);
    return;
  }
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/security.md');
  const doc = readFileSync(file, 'utf8');
  if (tableIn(doc) === undefined) throw new Error(`${file} has no ${BEGIN} … ${END} markers`);
  writeFileSync(file, doc.slice(0, doc.indexOf(BEGIN) + BEGIN.length) + '\n' + table + '\n' + doc.slice(doc.indexOf(END)));
  console.log(`wrote the table of ${table.split('\n').length - 2} routes into ${file}`);
}

// Run as a script, not when a test imports the table.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => { console.error(err.message); process.exit(1); });
}
