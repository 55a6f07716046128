import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeNumber, exitWithUsageError, parseFlags, UsageError } from './args.ts';

const FLAGS = {
  speed: { type: 'number', above: 0 },
  share: { type: 'number', min: 0, max: 1 },
  count: { type: 'number', integer: true, min: 0, max: 20_000 },
  seed: { type: 'number', integer: true, default: 1 },
  skew: { type: 'number', min: 0, unit: 'seconds' },
  mode: { type: 'enum', values: ['per-device', 'gateway'], default: 'per-device' },
  preset: { type: 'enum', values: ['demo', 'small', 'district'] },
  url: { type: 'string', pattern: /^mqtts?:\/\/[^/]+/, like: 'mqtt://host:port' },
  dir: { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const failure = (argv: string[]) => {
  try {
    parseFlags(argv, FLAGS);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('parseFlags', () => {
  it('gives defaults, undefined for absent flags and false for absent booleans', () => {
    expect(parseFlags([], FLAGS)).toEqual({
      speed: undefined, share: undefined, count: undefined, seed: 1, skew: undefined, mode: 'per-device', preset: undefined,
      url: undefined, dir: undefined, 'dry-run': false, help: false,
    });
  });

  it('reads numbers (digits may be grouped with _; a negative one as --flag=-3), enums, strings and booleans', () => {
    const f = parseFlags(['--speed', '2.5', '--count=20_000', '--seed=-3', '--mode', 'gateway', '--url', 'mqtt://h:1883', '--dry-run', '--dir', ''], FLAGS);
    expect(f).toMatchObject({ speed: 2.5, count: 20_000, seed: -3, mode: 'gateway', url: 'mqtt://h:1883', dir: '', 'dry-run': true });
  });

  it('names the flag, what it allows and what it got', () => {
    expect(failure(['--speed', '0'])).toBe('--speed must be a positive number, got "0"');
    expect(failure(['--speed', ''])).toBe('--speed must be a positive number, got ""');
    expect(failure(['--speed', 'Infinity'])).toBe('--speed must be a positive number, got "Infinity"');
    expect(failure(['--share', '1.5'])).toBe('--share must be a number from 0 to 1, got "1.5"');
    expect(failure(['--count', '20001'])).toBe('--count must be a whole number from 0 to 20,000, got "20001"');
    expect(failure(['--count', '1.5'])).toBe('--count must be a whole number from 0 to 20,000, got "1.5"');
    expect(failure(['--seed', 'x'])).toBe('--seed must be an integer, got "x"');
    expect(failure(['--skew=-1'])).toBe('--skew must be a number of seconds ≥ 0, got "-1"');
    expect(failure(['--mode', 'x'])).toBe('--mode must be per-device or gateway, got "x"');
    expect(failure(['--preset', 'x'])).toBe('--preset must be one of demo, small, district, got "x"');
    expect(failure(['--url', 'http://h'])).toBe('--url must look like mqtt://host:port, got "http://h"');
  });

  it('lists the flags when one is unknown, and refuses positional arguments and missing values', () => {
    expect(failure(['--sped', '3'])).toBe('unknown flag --sped; the flags are --speed, --share, --count, --seed, --skew, --mode, --preset, --url, --dir, --dry-run, --help');
    expect(failure(['fast'])).toBe('unexpected argument "fast": this script takes only --flags');
    expect(failure(['--speed'])).toMatch(/--speed/);
    expect(failure(['--dry-run=yes'])).toMatch(/--dry-run/);
  });

  it('checks nothing else when --help is given', () => {
    expect(parseFlags(['--speed', '0', '-h'], FLAGS).help).toBe(true);
  });

  it('describes a bound it is given a description for as given', () => {
    expect(describeNumber({ type: 'number', min: 0, max: 1, what: 'a probability between 0 and 1' })).toBe('a probability between 0 and 1');
    expect(describeNumber({ type: 'number', above: 1, max: 5 })).toBe('a number > 1 and ≤ 5');
  });
});

describe('exitWithUsageError', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints the script, the message and the usage, and exits 2', () => {
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void printed.push(m));
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: number) => { throw new Error(`exit ${code}`); }) as never);
    expect(() => exitWithUsageError('city', new UsageError('--preset must be one of demo, small'), 'Usage: npm run city')).toThrow('exit 2');
    expect(exit).toHaveBeenCalledWith(2);
    expect(printed).toEqual(['city: --preset must be one of demo, small\n\nUsage: npm run city']);
  });
});

// The two scripts that use it, as a user runs them: --help answers 0, a bad flag 2 with its message.
describe('the scripts', () => {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const run = (script: string, args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: { ...process.env, DATA_DIR: '' } })
      .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (err: { code: number; stdout: string; stderr: string }) => err);

  it('npm run simulate', async () => {
    const help = await run('simulators/cli.ts', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run simulate -- \[options\]/);
    const bad = await run('simulators/cli.ts', ['--loss', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('simulate: --loss must be a probability between 0 and 1, got "2"\n');
  }, 30_000);

  it('npm run city', async () => {
    const help = await run('seed/city-cli.ts', ['-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run city -- \[options\]/);
    const bad = await run('seed/city-cli.ts', ['--gateways', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^city: --gateways must be a whole number of children per gateway from 1 to 100,000, got "0"\n\nUsage: npm run city/);
  }, 30_000);
});
