import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'web/dist/**', 'data/**'],
    // End-to-end files each start an embedded TimescaleDB (~4 s, ~450 MB); two at a time fits 2 cores.
    maxWorkers: 2,
    // One migrated, seeded data directory that every end-to-end platform starts from (a copy).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
