// npx tsx load-tests/profile-top.ts FILE.cpuprofile… [--window FROM,TO | --seconds 15] [--top 25] [--by function|file]
// The top functions (or files, packages) by self time of V8 CPU profiles (`node --cpu-prof`;
// bench:ingest --cpu-prof DIR), over the measured window — `--window` as bench:ingest prints it
// (profile.windowUs: CLOCK_MONOTONIC µs, the profiles' clock), else the busiest `seconds` — as shares
// of that stretch's wall time, so main-thread and database-thread figures read side by side.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seconds: { type: 'string', default: '15' }, top: { type: 'string', default: '25' }, window: { type: 'string' }, by: { type: 'string', default: 'function' } } });
const IDLE = new Set(['(idle)', '(program)']);

for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const times: number[] = [];
  let t = p.startTime;
  for (const d of p.timeDeltas) times.push(t += d);
  // The busiest stretch: a sliding window of `seconds` over the samples, counting non-idle time.
  let span = Number(values.seconds) * 1e6;
  const busy = p.samples.map((id, i) => (IDLE.has(byId.get(id)!.callFrame.functionName) ? 0 : (p.timeDeltas[i + 1] ?? 0)));
  let [best, bestFrom, sum, from] = [0, 0, 0, 0];
  for (let i = 0; i < times.length; i++) {
    sum += busy[i];
    while (times[i] - times[from] > span) sum -= busy[from++];
    if (sum > best) { best = sum; bestFrom = from; }
  }
  if (values.window) {
    const [a, b] = values.window.split(',').map(Number);
    bestFrom = times.findIndex((x) => x >= a);
    span = b - a;
    best = 0;
    for (let i = bestFrom; i >= 0 && i < times.length && times[i] - a <= span; i++) best += busy[i];
  }
  const self = new Map<string, number>();
  let to = bestFrom;
  while (to < times.length && times[to] - times[bestFrom] <= span) {
    const f = byId.get(p.samples[to])!.callFrame;
    const file = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(wt-[^/]+|main)\//, '');
    // By file: a package counts as one (its name), node's own modules by module, natives by name.
    const key = values.by === 'file'
      ? (f.url ? (/node_modules\//.test(f.url) ? file.split('/')[0].replace(/^(@[^/]+)$/, file.split('/').slice(0, 2).join('/')) : file.replace(/^node:internal\/.*$/, 'node:internal')) : f.functionName)
      : `${f.functionName || '(anonymous)'} ${f.url ? `${file}:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[to + 1] ?? 0));
    to++;
  }
  const wall = times[Math.min(to, times.length) - 1] - times[bestFrom];
  console.log(`${path.basename(file)}: ${(wall / 1e6).toFixed(1)} s, busy ${(best / wall * 100).toFixed(0)} %`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    console.log(`  ${(us / wall * 100).toFixed(1).padStart(5)} %  ${k}`);
  }
}
