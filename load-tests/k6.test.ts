// The k6 scripts are plain JavaScript (k6 runs them as they are); this type-checks them against
// @types/k6 and the xk6-mqtt declaration, so an API slip fails the suite, not a load run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('k6 scripts', () => {
  it('type-check against @types/k6 (npx tsc -p load-tests/k6/tsconfig.json)', async () => {
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('npx', ['tsc', '-p', 'load-tests/k6/tsconfig.json'], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : err ? 1 : 0, out: `${stdout}${stderr}` });
      });
    });
    expect(result.out.split('\n').filter((l) => l.includes('error TS')).join('\n')).toBe('');
    expect(result.code).toBe(0);
  });
});
