// Smoke test of `npm run load`: every scenario for a few seconds with tiny numbers. It checks the
// report's shape and sanity, never the figures (tests do not time anything; docs/performance.md does).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

describe('npm run load (smoke)', () => {
  it('runs devices, connections and the HTTP mix and prints one JSON report line', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      // --billing off: the smoke test must not depend on work in progress elsewhere; the skip path is what it exercises.
      const child = execFile(process.execPath, ['--import', 'tsx', 'load-tests/run.ts', '--scenario', 'all', '--duration', '2', '--devices', '20', '--connections', '50', '--rate', '200', '--http-rate', '100', '--billing', 'off'],
        { cwd: root, timeout: 140_000, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) => resolve({ code: err ? (child.exitCode ?? 1) : 0, stdout: out, stderr: errOut }));
    });
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]);

    expect(r.report).toBe('onelot-load');
    expect(r.phases).toEqual(['devices', 'connections', 'mixed']);
    // Devices (open loop here because --rate was given).
    expect(r.devices.connected).toBe(20);
    for (const v of [r.devices.storedPerS, r.devices.acked, r.devices.pubackMs.p50, r.devices.pubackMs.p99, r.devices.errors]) expect(nonNegative(v)).toBe(true);
    expect(r.devices.acked).toBeGreaterThan(0);
    for (const v of [r.eventToMapMs.p50, r.eventToMapMs.p99, r.eventToMapMs.samples]) expect(nonNegative(v)).toBe(true);
    // HTTP per route.
    expect(nonNegative(r.http.rps)).toBe(true);
    for (const name of ['map', 'lot', 'guidance']) {
      const route = r.http.routes[name];
      expect(route.requests, name).toBeGreaterThan(0);
      for (const v of [route.rps, route.p50, route.p99, route.non2xx]) expect(nonNegative(v), name).toBe(true);
    }
    // With billing off its routes are skipped, each with a reason.
    for (const s of r.http.skipped) expect(s.reason).toMatch(/\w/);
    // Connections, database, process, errors, targets.
    expect(r.connections.held).toBe(50);
    for (const v of [r.database.rowsPerS, r.database.storedMessages, r.database.deviceEventsRowsAdded, r.process.rssPeakMB, r.process.cpuPercent, r.errors.http, r.errors.mqtt, r.errors.total]) expect(nonNegative(v)).toBe(true);
    expect(r.process.rssPeakMB).toBeGreaterThan(0);
    expect(r.targets.map((t: { name: string }) => t.name)).toEqual(['device messages stored', 'PUBACK p99', 'device connections held', 'map view p99 (under ingest)', 'guidance p99 (under ingest)']);
    for (const t of r.targets) expect([true, false, null]).toContain(t.pass);
    // The readable table went to stderr.
    expect(stderr).toContain('OneLot load report');
    expect(stderr).toMatch(/PASS|FAIL/);
  }, 150_000);
});
