import { describe, expect, it } from 'vitest';
import { nodeFlags } from './node-flags.ts';

describe('the platform\'s Node flags', () => {
  it('run the collector on one thread on small machines, with helpers on larger ones, unless told', () => {
    expect(nodeFlags({}, 2)).toEqual(['--max-old-space-size=1024', '--max-semi-space-size=64', '--single-threaded-gc']);
    expect(nodeFlags({}, 8)).toEqual(['--max-old-space-size=1024', '--max-semi-space-size=64']);
    expect(nodeFlags({ ONELOT_GC: 'parallel' }, 2)).not.toContain('--single-threaded-gc');
    expect(nodeFlags({ ONELOT_GC: 'single', ONELOT_HEAP_MB: '2048' }, 16)).toEqual(['--max-old-space-size=2048', '--max-semi-space-size=64', '--single-threaded-gc']);
  });

  it('refuses a value it cannot use, saying what it expects', () => {
    expect(() => nodeFlags({ ONELOT_GC: 'fast' }, 2)).toThrow(/ONELOT_GC must be one of auto, single, parallel; it is "fast"/);
    expect(() => nodeFlags({ ONELOT_YOUNG_MB: '64MB' }, 2)).toThrow(/ONELOT_YOUNG_MB must be a whole number of megabytes, like 64; it is "64MB"/);
    expect(() => nodeFlags({ ONELOT_HEAP_MB: '0' }, 2)).toThrow(/ONELOT_HEAP_MB must be a whole number of megabytes, like 1024; it is "0"/);
    expect(() => nodeFlags({ ONELOT_HEAP_MB: '1.5' }, 2)).toThrow(/ONELOT_HEAP_MB .* Fix the environment variable ONELOT_HEAP_MB/);
  });
});
