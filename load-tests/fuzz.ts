// npm run fuzz [-- --seed 1 --payloads 100000 --packets 10000 --requests 10000 --json]
// Starts the platform as `npm start` does, in its own process, and attacks it from outside:
//  1. generated and mutated device payloads, published as real devices over MQTT (QoS 1), each
//     with the outcome the device protocol promises (stored, or dead-lettered under a code),
//     checked per device against the database and per code against /metrics;
//  2. malformed MQTT packets over raw TCP (bad lengths, reserved flags, truncations, wrong
//     protocol, oversize, garbage after CONNECT);
//  3. HTTP requests generated from the platform's OpenAPI document (every operation; wrong types,
//     huge values, unicode, broken JSON, missing and garbage credentials);
// then checks it did not crash, kept memory flat and still serves a real device. Prints a report;
// exits 1 when any check fails. Everything generated comes from --seed: a failure is rerun exactly.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPlatformProcess } from './lib/platform-process.ts';
import { runFuzz } from './fuzz/run.ts';
import { formatReport } from './fuzz/report.ts';

const { values } = parseArgs({ options: {
  seed: { type: 'string', default: '20261129' }, payloads: { type: 'string', default: '100000' },
  packets: { type: 'string', default: '10000' }, requests: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false },
} });
const seed = Number(values.seed);
const counts = { payloads: Number(values.payloads), packets: Number(values.packets), requests: Number(values.requests) };
const say = (s: string) => process.stderr.write(`${s}\n`);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onelot-fuzz-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
// LOG_LEVEL error: the run makes the platform log a warning per refused packet and connection.
const platform = await startPlatformProcess({ dataDir, logLevel: process.env.LOG_LEVEL ?? 'error' });
const started = Date.now();
const { findings, results } = await runFuzz(platform, { seed, counts, dataDir, say });
const seconds = Math.round((Date.now() - started) / 1000);
await platform.stop();

console.log(formatReport(findings, results));
if (values.json) console.log(JSON.stringify(fuzzSummary()));
process.exit(results.every((c) => c.pass) ? 0 : 1);

function fuzzSummary() {
  return { report: 'onelot-fuzz', seed, counts, seconds, checks: results, memory: findings.memory, payloads: findings.payloads?.sent ?? 0, packets: findings.packets?.sent ?? 0, requests: findings.api?.sent ?? 0 };
}
