// Once per `vitest run`: a data directory holding what every end-to-end platform starts from — the
// migrated schema and the demo district (startPlatform's migrate + seedDemo, no modules). Each
// test platform copies it instead of creating a database, migrating and seeding again: a copy is
// ~0.2 s, a fresh start several seconds, paid by ~40 files (test/helpers.ts, startTestPlatform).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../core/config.ts';
import { startPlatform } from '../platform.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A closed, migrated and seeded embedded data directory, or '' when it could not be made. */
    seededDataDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-template-'));
  // The same settings startTestPlatform starts with, as far as migrate and seedDemo read them.
  const platform = await startPlatform(loadConfig({ DATA_DIR: dir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: 'false', LOG_LEVEL: 'silent', SCHEDULED_JOBS: 'false' }));
  await platform.close();
  project.provide('seededDataDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
