// The seeded short versions of `npm run chaos` and `npm run fuzz` inside `npm test`, in one run of
// load-tests/chaos.ts so they share the platform process (a start costs 15–90 s on a shared
// 2-core machine): a device clock that lies, a database stall held until the read gate closes, a
// small reconnect storm, kill -9 at full ingest with a restart on the same data; then, on the
// restarted platform, the three fuzz attacks (800 payloads, 300 malformed packets, 200 generated
// requests). Every requirement the reports check must pass; the figures themselves are the full
// runs' business (docs/security.md, "Fuzzing" and "Chaos"). The kill during contactless charging
// needs a second restart and a provider process: it runs in `npm run chaos`, not here.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Figure { name: string; value: number | string; pass?: boolean }
interface Report {
  report: string;
  scenarios: Array<{ scenario: string; figures: Figure[] }>;
  fuzz: { report: string; seed: number; payloads: number; packets: number; requests: number; checks: Array<{ name: string; pass: boolean; detail: string }> };
}

describe('npm run chaos and npm run fuzz (short, seeded, one platform)', () => {
  let run: { code: number | null; stdout: string; stderr: string };
  let report: Report;

  beforeAll(async () => {
    run = await new Promise((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', 'load-tests/chaos.ts', '--short', '--seed', '7', '--scenario', 'clock,stall,storm,ingest-kill', '--fuzz', '800,300,200'],
        { cwd: root, timeout: 400_000, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) => resolve({ code: err ? (child.exitCode ?? 1) : 0, stdout: out, stderr: errOut }));
    });
    const lines = run.stdout.trim().split('\n');
    // No JSON line: the run was killed (timeout) or failed before its report; say why.
    expect(lines, `no report (exit ${run.code}); its stderr ends:\n${run.stderr.slice(-3000)}`).toHaveLength(1);
    report = JSON.parse(lines[0]);
  }, 420_000);

  it('loses no acknowledged event to kill -9, stores none twice, pauses reading in a stall, refuses lying clocks, rides a storm', () => {
    expect(report.report).toBe('onelot-chaos');
    expect(report.scenarios.map((s) => s.scenario)).toEqual(
      ['device clock 10 min fast / years wrong', 'stalled database', 'reconnect storm', 'kill -9 at full ingest']);
    const figure = (scenario: number, name: string) => report.scenarios[scenario].figures.find((f) => f.name === name)!;
    // The figures that carry the promises, by value, not only by their pass marks.
    expect(figure(3, 'acknowledged before the kill').value).toBeGreaterThan(500);
    expect(figure(3, 'acknowledged but not stored').value).toBe(0);
    expect(figure(3, '(device, seq) stored twice').value).toBe(0);
    expect(figure(1, 'reading paused during the stall').value).toBe('yes');
    expect(figure(1, 'acknowledged during the stall').value).toBeLessThanOrEqual(500);
    expect(figure(1, 'backlog peak after the stall (recovery)').pass).toBe(true);
    expect(figure(0, 'devices with last_seen in the future').value).toBe(0);
    expect(figure(0, 'dead-lettered with the time-window reason').value).toBe(15);
    for (const s of report.scenarios) for (const f of s.figures) expect(f.pass, `${s.scenario}: ${f.name} = ${f.value}`).not.toBe(false);
    expect(run.stderr).toContain('OneLot chaos report (seed 7, short)');
  });

  it('fuzz: passes every check on 800 payloads, 300 malformed packets and 200 generated requests', () => {
    const failed = report.fuzz.checks.filter((c) => !c.pass);
    expect(failed, run.stderr.slice(-4000)).toEqual([]);
    expect(report.fuzz).toMatchObject({ report: 'onelot-fuzz', seed: 7, payloads: 800, packets: 300, requests: 200 });
    expect(report.fuzz.checks.map((c) => c.name)).toEqual([
      'every device message acknowledged', 'stored and dead-lettered exactly as the protocol says, per device', 'every dead letter counted under its code (/metrics)',
      'every dead letter has a reason', 'foreign topics closed, nothing stored', 'malformed MQTT packets: broker kept accepting connections',
      'API: no 5xx', 'API: every 4xx is { error: { code, message } }', 'no crash', 'memory flat', 'a real device still served',
    ]);
    // The readable report went to stderr above the chaos table.
    expect(run.stderr).toContain('OneLot fuzz report (seed 7');
    expect(run.code).toBe(0);
  });
});
