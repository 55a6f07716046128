// The demo district on a first start: lots, bays, devices (their credentials written to a file the
// simulator reads) and a console sign-in for the demo city's operator. On later starts only the
// credentials file is kept pointing at the broker, which may listen on another port this time.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Pool } from '../core/db/index.ts';
import { createOperator, createCityAccount } from '../operators/index.ts';
import { generateDemoCity } from './demo-city.ts';
import { isEmpty, loadCity, writeCredentials, type CredentialsFile } from './city-loader.ts';

export interface DemoSeedOptions {
  dataDir: string;
  /** Seed an empty database (SEED_DEMO). */
  seed: boolean;
  mqtt: { host: string; port: number };
  log: (m: string) => void;
}

/** Seeds when asked and the database is empty; returns the demo devices' credentials file. */
export async function seedDemo(pool: Pool, opts: DemoSeedOptions): Promise<string> {
  const credentialsFile = path.join(opts.dataDir, 'demo-devices.json');
  if (opts.seed && (await isEmpty(pool))) {
    opts.log('seeding the Zhengzhou demo district (first start)');
    const city = generateDemoCity();
    await loadCity(pool, city, { credentialsFile, mqtt: opts.mqtt, log: opts.log });
    // The demo's first operator's admin and the city's platform team get console sign-ins, so a
    // first start can try the console in both roles.
    const consoleFile = path.join(opts.dataDir, 'operator-console.json');
    const admin = { account: city.operators[0].id, password: randomBytes(12).toString('base64url') };
    const cityTeam = { account: 'city', password: randomBytes(12).toString('base64url') };
    await createOperator(pool, { id: admin.account, name: city.operators[0].name, password: admin.password });
    await createCityAccount(pool, { id: cityTeam.account, name: '城市停车平台', password: cityTeam.password });
    writeFileSync(consoleFile, JSON.stringify({ admin, city: cityTeam }, null, 2) + '\n', { mode: 0o600 });
    opts.log(`operators' console (/#/operator): sign in as ${admin.account} (an operator's admin) or ${cityTeam.account} (the city) with the passwords in ${consoleFile}`);
  } else if (existsSync(credentialsFile)) {
    const file = JSON.parse(readFileSync(credentialsFile, 'utf8')) as CredentialsFile;
    writeCredentials(credentialsFile, { ...file, mqtt: opts.mqtt });
  }
  return credentialsFile;
}
