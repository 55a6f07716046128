// The seeded demo database (test/global-setup.ts) copied into a directory of its own and opened
// embedded, for tests that drive ingest's writer with real statements and no platform around it.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { openDatabase, migrate, type Database } from '../core/db/index.ts';
import type { IngestEvent } from '../core/ingest-events.ts';

export interface SeededDatabase { db: Database; close(): Promise<void> }

export async function openSeededDatabase(name: string): Promise<SeededDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `onelot-${name}-`));
  const seeded = inject('seededDataDir');
  if (seeded) cpSync(seeded, dir, { recursive: true });
  const db = await openDatabase({ dataDir: dir });
  await migrate(db.pool);
  return { db, close: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

export interface SensedBay { code: string; lotId: string; sensor: string }

/** The first bay (by code) with a registered sensor: the writer plans ahead only for devices it knows. */
export async function firstSensedBay(db: Database): Promise<SensedBay> {
  const { rows } = await db.pool.query(
    `SELECT b.bay_code AS code, b.lot_id AS "lotId", d.id AS sensor FROM bay_state b JOIN devices d ON d.bay_code = b.bay_code AND d.kind = 'bay-sensor'
      ORDER BY b.bay_code LIMIT 1`);
  return rows[0];
}

/** Bay sensor `deviceId`'s occupancy report of `bay` at `at`, as ingest hands it to the writer. */
export function occupancyReport(bay: Pick<SensedBay, 'code' | 'lotId'>, deviceId: string, seq: number, occupied: boolean, at: Date): IngestEvent {
  return {
    deviceId, deviceKind: 'bay-sensor', seq, type: 'occupancy', eventTime: at, receivedAt: new Date(),
    lotId: bay.lotId, bayCode: bay.code, payload: { type: 'occupancy', seq, ts: at.toISOString(), occupied },
    observation: { bayCode: bay.code, occupied },
  };
}
