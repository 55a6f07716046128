// The Node flags the platform runs with, from the environment: `npm start` prints them with this
// script (`node $(node --import tsx core/node-flags.ts) …`), and the benchmarks and `npm run
// load` start the platform with the same (load-tests/lib/platform-process.ts). They are Node's
// flags, not the platform's configuration (core/config.ts), so they are read here, before Node runs.
// - ONELOT_HEAP_MB, ONELOT_YOUNG_MB: the old generation's cap and the young generation's semi-space.
// - ONELOT_GC: `single` runs V8's collector on the thread that needs it, `parallel` lets it call
//   helper threads, `auto` (the default) is `single` below 4 cores. On 2 cores the helpers compete
//   with the main thread and the database worker for the cores, and the main thread's long pauses
//   were half waiting for one: at 5,000 msg/s the PUBACK p99 went from 28–53 ms (median 40) to 21–42 ms (median 29)
//   single-threaded, throughput unchanged (docs/performance.md, "Twenty-sixth session").
import os from 'node:os';
import { pathToFileURL } from 'node:url';

const GC_MODES = ['auto', 'single', 'parallel'] as const;

function megabytes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a whole number of megabytes, like ${fallback}; it is "${raw}"`);
  return n;
}

export function nodeFlags(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): string[] {
  const gc = env.ONELOT_GC || 'auto';
  if (!(GC_MODES as readonly string[]).includes(gc)) throw new Error(`ONELOT_GC must be one of ${GC_MODES.join(', ')}; it is "${gc}"`);
  const single = gc === 'single' || (gc === 'auto' && cores < 4);
  return [
    `--max-old-space-size=${megabytes(env, 'ONELOT_HEAP_MB', 1024)}`, `--max-semi-space-size=${megabytes(env, 'ONELOT_YOUNG_MB', 64)}`,
    ...(single ? ['--single-threaded-gc'] : []),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(nodeFlags().join(' '));
