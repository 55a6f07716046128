// The seeded short version of `npm run fuzz`: the same three attacks with small counts, against the
// platform in its own process. It fails on any failed check (a crash, a 5xx, a lost or wrongly
// judged device message, a 4xx outside the error shape, a real device no longer served).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('npm run fuzz (seeded, short)', () => {
  it('passes every check on 800 payloads, 300 malformed packets and 200 generated requests', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', 'load-tests/fuzz.ts', '--seed', '7', '--payloads', '800', '--packets', '300', '--requests', '200', '--json'],
        { cwd: root, timeout: 230_000, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) => resolve({ code: err ? (child.exitCode ?? 1) : 0, stdout: out, stderr: errOut }));
    });
    // No output at all: the run was killed (timeout) or failed before its report; say why.
    expect(stdout.trim(), `no report (exit ${code}); its stderr ends:\n${stderr.slice(-3000)}`).not.toBe('');
    const lines = stdout.trim().split('\n');
    const r = JSON.parse(lines[lines.length - 1]);
    const failed = r.checks.filter((c: { pass: boolean }) => !c.pass);
    expect(failed, stdout + stderr.slice(-2000)).toEqual([]);
    expect(code).toBe(0);
    expect(r).toMatchObject({ report: 'onelot-fuzz', seed: 7, payloads: 800, packets: 300, requests: 200 });
    expect(r.checks.map((c: { name: string }) => c.name)).toEqual([
      'every device message acknowledged', 'stored and dead-lettered exactly as the protocol says, per device', 'every dead letter counted under its code (/metrics)',
      'every dead letter has a reason', 'foreign topics closed, nothing stored', 'malformed MQTT packets: broker kept accepting connections',
      'API: no 5xx', 'API: every 4xx is { error: { code, message } }', 'no crash', 'memory flat', 'a real device still served',
    ]);
    // The readable report went to stdout above the JSON line.
    expect(stdout).toContain('OneLot fuzz report (seed 7');
  }, 240_000);
});
