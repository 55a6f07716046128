// Start-up failures a person can act on: the message names the problem and the variable to change.
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { openDatabase } from '../core/db/index.ts';
import { loadConfig } from '../core/config.ts';
import { startTestPlatform, tempDataDir } from './helpers.ts';

describe('start-up errors', () => {
  it('refuses a DATABASE_URL server without TimescaleDB, saying what to do', async () => {
    // The machine's own PostgreSQL (no TimescaleDB) answers on 5432.
    const dataDir = tempDataDir();
    const err = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', dataDir }).catch((e) => e);
    rmSync(dataDir, { recursive: true, force: true });
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/DATABASE_URL has no timescaledb extension.*unset DATABASE_URL to use the embedded TimescaleDB/);
  });

  it('names MQTT_PORT when the MQTT port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    const dataDir = tempDataDir();
    try {
      const err = await startTestPlatform({ dataDir, env: { MQTT_PORT: String(port) } }).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(new RegExp(`MQTT port ${port} .* already in use.*Set MQTT_PORT`));
    } finally {
      taken.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('names the variable of a bad configuration value', () => {
    expect(() => loadConfig({ HTTP_PORT: 'eighty' })).toThrow(/HTTP_PORT="eighty"/);
    expect(() => loadConfig({ MQTT_PORT: '70000' })).toThrow(/MQTT_PORT/);
  });
});
