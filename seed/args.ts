// Command-line flags for OneLot's scripts (`npm run city`, `npm run simulate`): one table of typed
// flags read with node:util parseArgs, checked once at the edge. A bad flag is a UsageError whose
// message names the flag, what it allows and what it got; a script prints it and exits 2
// (exitWithUsageError), the conventional code for a command used wrongly.
// In seed/ because simulators/ may import seed/ and not the other way round.
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

/** A number; `_` may group digits (20_000). Bounds are inclusive except `above`. */
export interface NumberFlag {
  type: 'number';
  integer?: boolean;
  min?: number;
  /** Exclusive lower bound: `above: 0` is a positive number. */
  above?: number;
  max?: number;
  /** What it counts, for the message: "a number of seconds ≥ 0". */
  unit?: string;
  /** The whole description of what is allowed, when the one built from the bounds would not say it. */
  what?: string;
  default?: number;
  short?: string;
}
export interface StringFlag {
  type: 'string';
  /** The value must match, e.g. /^mqtts?:\/\// … */
  pattern?: RegExp;
  /** …as the message puts it: "must look like mqtt://host:port". */
  like?: string;
  default?: string;
  short?: string;
}
export interface EnumFlag {
  type: 'enum';
  values: readonly string[];
  default?: string;
  short?: string;
}
export interface BooleanFlag {
  type: 'boolean';
  short?: string;
}
export type FlagSpec = NumberFlag | StringFlag | EnumFlag | BooleanFlag;
export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<F> =
  F extends BooleanFlag ? boolean
  : F extends { type: 'enum'; values: readonly (infer V)[] } ? V
  : F extends NumberFlag ? number
  : string;
/** The parsed flags: booleans are false when absent, other flags undefined unless they have a default. */
export type Flags<S extends FlagSpecs> = {
  -readonly [K in keyof S]: S[K] extends BooleanFlag ? boolean : S[K] extends { default: unknown } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

/**
 * Parse `argv` (no positional arguments) against `specs`; throws UsageError naming the first bad
 * flag. With --help (a boolean flag named help) the values are not checked: the script prints its
 * usage whatever else was given.
 */
export function parseFlags<const S extends FlagSpecs>(argv: readonly string[], specs: S): Flags<S> {
  const options = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [
    name, { type: spec.type === 'boolean' ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}) } as const,
  ]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }, specs));
  }
  if (specs.help?.type === 'boolean' && values.help === true) return { help: true } as Flags<S>;
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) flags[name] = flagValue(name, spec, values[name]);
  return flags as Flags<S>;
}

/** End a script on a usage error: `<script>: <message>` on stderr (then `usage`, when given), exit code 2. */
export function exitWithUsageError(script: string, err: Error, usage?: string): never {
  console.error(`${script}: ${err.message}${usage ? `\n\n${usage}` : ''}`);
  process.exit(2);
}

function flagValue(name: string, spec: FlagSpec, raw: string | boolean | undefined): unknown {
  if (spec.type === 'boolean') return raw === true;
  if (raw === undefined) return spec.default;
  const v = String(raw);
  const bad = (rule: string) => new UsageError(`--${name} must ${rule}, got "${v}"`);
  switch (spec.type) {
    case 'number': {
      const n = Number(v.replace(/_/g, ''));
      if (v.trim() === '' || !inRange(n, spec)) throw bad(`be ${describeNumber(spec)}`);
      return n;
    }
    case 'enum':
      if (!spec.values.includes(v)) throw bad(`be ${spec.values.length === 2 ? spec.values.join(' or ') : `one of ${spec.values.join(', ')}`}`);
      return v;
    case 'string':
      if (spec.pattern && !spec.pattern.test(v)) throw bad(`look like ${spec.like ?? String(spec.pattern)}`);
      return v;
  }
}

function inRange(n: number, s: NumberFlag): boolean {
  if (!Number.isFinite(n) || (s.integer && !Number.isSafeInteger(n))) return false;
  if (s.min !== undefined && n < s.min) return false;
  if (s.above !== undefined && !(n > s.above)) return false;
  return s.max === undefined || n <= s.max;
}

/** "a positive number", "a whole number ≥ 0", "a number of seconds from 0 to 60", "an integer". */
export function describeNumber(s: NumberFlag): string {
  if (s.what) return s.what;
  const of = s.unit ? ` of ${s.unit}` : '';
  const kind = `${s.integer ? 'whole number' : 'number'}${of}`;
  const { min, above, max } = s;
  if (above === 0 && min === undefined && max === undefined) return `a positive ${kind}`;
  if (min !== undefined && max !== undefined && above === undefined) return `a ${kind} from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}`;
  const bounds = [above !== undefined && `> ${above}`, min !== undefined && `≥ ${min}`, max !== undefined && `≤ ${max}`].filter(Boolean);
  if (!bounds.length) return s.integer ? `an integer${of}` : `a number${of}`;
  return `a ${kind} ${bounds.join(' and ')}`;
}

function parseArgsMessage(err: Error & { code?: string }, specs: FlagSpecs): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${quoted}; the flags are ${Object.keys(specs).map((f) => `--${f}`).join(', ')}`;
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument "${quoted}": this script takes only --flags`;
  // A flag without its value, or a boolean given one: parseArgs names the flag.
  return err.message;
}
