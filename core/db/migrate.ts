// Numbered SQL migrations (migrations/NNN.do.name.sql), applied by postgrator. Most run on either
// engine (core/db/engine.ts); the few that cannot — a TimescaleDB continuous aggregate cannot even
// be created inside a DO block — have one file per engine under migrations/timescaledb/ and
// migrations/postgres/, with the same number, and a database only ever sees its own engine's.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import Postgrator from 'postgrator';
import { engineOf } from './engine.ts';
import { maintainPartitions } from './partitions.ts';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/**
 * Migrations edited after release, and the checksums they had as released. 001 and 008 gained DO
 * blocks that keep their TimescaleDB statements off a plain PostgreSQL server; on TimescaleDB they
 * do what they did. A database migrated with a released version gets the new checksum recorded
 * instead of postgrator refusing to start (it checks every applied file's checksum).
 */
const EDITED: Record<number, { file: string; released: string[] }> = {
  1: { file: '001.do.core-schema.sql', released: ['52a841c9503a338b9cf8a16650691d31'] },
  8: { file: '008.do.operator-console.sql', released: ['a57fc93d4bdf84fb179618eb44ef83d5'] },
};

export class MigrationError extends Error {}

/**
 * Apply the migrations of the database's engine; then, on plain PostgreSQL, make the time
 * partitions of now and ahead (core/db/partitions.ts). Throws MigrationError naming the file.
 */
export async function migrate(pool: pg.Pool, log: (msg: string) => void = () => {}): Promise<number> {
  const client = await pool.connect();
  let applied: number;
  try {
    const engine = await engineOf(client);
    await recordEditedChecksums(client);
    const postgrator = new Postgrator({
      migrationPattern: path.join(MIGRATIONS_DIR, `{*,${engine}/*}.sql`),
      driver: 'pg',
      schemaTable: 'schema_version',
      execQuery: (query) => client.query(query),
    });
    let current = 'the first migration';
    postgrator.on('migration-started', (m) => {
      current = path.relative(path.dirname(MIGRATIONS_DIR), m.filename);
      log(`applying ${current}`);
    });
    try {
      applied = (await postgrator.migrate()).length;
    } catch (err) {
      throw new MigrationError(`Migration failed in ${current}: ${(err as Error).message}`);
    }
  } finally {
    client.release();
  }
  const made = await maintainPartitions(pool);
  if (made.created.length > 0) log(`made ${made.created.length} time partition(s) ahead: ${made.created[0]} … ${made.created.at(-1)}`);
  return applied;
}

async function recordEditedChecksums(client: pg.PoolClient): Promise<void> {
  const { rows: [{ exists }] } = await client.query(`SELECT to_regclass('schema_version') IS NOT NULL AS exists`);
  if (!exists) return;
  for (const [version, { file, released }] of Object.entries(EDITED)) {
    const now = createHash('md5').update(readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'), 'utf8').digest('hex');
    await client.query('UPDATE schema_version SET md5 = $1 WHERE version = $2 AND md5 = ANY($3)', [now, Number(version), released]);
  }
}
