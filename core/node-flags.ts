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
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import os from 'node:os';
import { pathToFileURL } from 'node:url';

// Megabytes as digits: TypeBox's conversion would take "1.5" for an integer as 1.
const Megabytes = (fallback: string, description: string) => Type.String({ pattern: '^[1-9][0-9]{0,6}$', default: fallback, description });
const NodeFlagsSchema = Type.Object({
  ONELOT_HEAP_MB: Megabytes('1024', 'the old generation\'s cap, in megabytes'),
  ONELOT_YOUNG_MB: Megabytes('64', 'the young generation\'s semi-space, in megabytes'),
  ONELOT_GC: Type.Union([Type.Literal('auto'), Type.Literal('single'), Type.Literal('parallel')], { default: 'auto' }),
});
type NodeFlagsEnv = Static<typeof NodeFlagsSchema>;

/** The flags for `env`, on a machine of `cores`; throws naming the variable that cannot be used. */
export function nodeFlags(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): string[] {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(NodeFlagsSchema.properties)) if (env[key]) raw[key] = env[key];
  const v = Value.Default(NodeFlagsSchema, raw);
  const first = Value.Errors(NodeFlagsSchema, v).First();
  if (first) {
    const name = first.path.replace(/^\//, '');
    const expected = name === 'ONELOT_GC' ? 'one of auto, single, parallel' : `a whole number of megabytes, like ${NodeFlagsSchema.properties[name as 'ONELOT_HEAP_MB'].default}`;
    throw new Error(`${name} must be ${expected}; it is "${raw[name]}". Fix the environment variable ${name} and start again.`);
  }
  const { ONELOT_HEAP_MB, ONELOT_YOUNG_MB, ONELOT_GC } = v as NodeFlagsEnv;
  const single = ONELOT_GC === 'single' || (ONELOT_GC === 'auto' && cores < 4);
  return [`--max-old-space-size=${ONELOT_HEAP_MB}`, `--max-semi-space-size=${ONELOT_YOUNG_MB}`, ...(single ? ['--single-threaded-gc'] : [])];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(nodeFlags().join(' '));
