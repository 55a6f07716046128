// Claiming a plate (issue 12: plates are personal data). A plate has at most one owner account
// (driver_plates' primary key); the claim records when it was made (claimed_at) and the owner's
// views show only stays that began at or after it (invoice-views.ts OWNED_*). Claiming a plate
// another account holds opens a contested claim that an operator approves (the plate moves, with a
// new claimed_at and contactless off) or rejects, with a note (migrations/011).
import type { Pool } from '../core/db/index.ts';
import { OneLotError } from '../core/errors.ts';
import { maskPlate } from '../core/plates.ts';
import { withTx } from '../core/db/tx.ts';
import type { ClaimDecision, DriverPlate, MyClaim, PlateClaim, PlateClaimResult } from './http/schemas.ts';

interface PlateRow { plate: string; contactless: boolean; added_at: Date; claimed_at: Date }

export const toPlate = (r: PlateRow): DriverPlate =>
  ({ plate: r.plate, contactless: r.contactless, addedAt: r.added_at.toISOString(), claimedAt: r.claimed_at.toISOString() });

/**
 * Claim a (normalised) plate: `created` when it was free, `existing` when the account holds it
 * already, `pending` when another account holds it (a contested claim for the operators' review;
 * the claimant learns nothing about the holder).
 */
export async function claimPlate(pool: Pool, driverId: number, plate: string): Promise<PlateClaimResult> {
  const { rows } = await pool.query<PlateRow & { inserted: boolean }>(
    `INSERT INTO driver_plates (plate, driver_id) VALUES ($1, $2)
     ON CONFLICT (plate) DO UPDATE SET plate = EXCLUDED.plate WHERE driver_plates.driver_id = $2
     RETURNING plate, contactless, added_at, claimed_at, (xmax = 0) AS inserted`, [plate, driverId]);
  if (rows[0]) return { kind: rows[0].inserted ? 'created' : 'existing', plate: toPlate(rows[0]) };
  // One open claim per plate and account: asking again returns the same claim.
  const c = await pool.query<ClaimRow>(
    `WITH ins AS (INSERT INTO plate_claims (plate, driver_id) VALUES ($1, $2) ON CONFLICT (plate, driver_id) WHERE status = 'pending' DO NOTHING
                  RETURNING id, plate, status, created_at, decided_at, note)
     SELECT * FROM ins UNION ALL
     SELECT id, plate, status, created_at, decided_at, note FROM plate_claims WHERE plate = $1 AND driver_id = $2 AND status = 'pending'
     LIMIT 1`, [plate, driverId]);
  return { kind: 'pending', claim: toMyClaim(c.rows[0]) };
}

interface ClaimRow { id: number; plate: string; status: string; created_at: Date; decided_at: Date | null; note: string | null }

const toMyClaim = (r: ClaimRow): MyClaim => ({
  id: r.id, plate: r.plate, status: r.status as MyClaim['status'], createdAt: r.created_at.toISOString(),
  decidedAt: r.decided_at?.toISOString() ?? null, note: r.note,
});

/** The account's claims still pending, and those decided in the last 30 days (so the driver sees the answer). */
export async function claimsOf(pool: Pool, driverId: number): Promise<MyClaim[]> {
  const { rows } = await pool.query<ClaimRow>(
    `SELECT id, plate, status, created_at, decided_at, note FROM plate_claims
      WHERE driver_id = $1 AND (status = 'pending' OR decided_at > now() - interval '30 days') ORDER BY created_at DESC, id DESC LIMIT 50`, [driverId]);
  return rows.map(toMyClaim);
}

/** Contested claims for the operators: pending ones first (oldest first), with who holds the plate now. */
export async function listClaims(pool: Pool, status: 'pending' | 'approved' | 'rejected', limit: number): Promise<PlateClaim[]> {
  const { rows } = await pool.query<ClaimRow & { claimant_id: number; claimant_phone: string; holder_id: number | null; holder_phone: string | null; holder_claimed_at: Date | null; decided_by: string | null }>(
    `SELECT c.id, c.plate, c.status, c.created_at, c.decided_at, c.decided_by, c.note,
            c.driver_id AS claimant_id, cd.phone AS claimant_phone, dp.driver_id AS holder_id, hd.phone AS holder_phone, dp.claimed_at AS holder_claimed_at
       FROM plate_claims c JOIN drivers cd ON cd.id = c.driver_id
       LEFT JOIN driver_plates dp ON dp.plate = c.plate LEFT JOIN drivers hd ON hd.id = dp.driver_id
      WHERE c.status = $1 ORDER BY c.created_at ${status === 'pending' ? 'ASC' : 'DESC'}, c.id LIMIT $2`, [status, limit]);
  return rows.map((r) => ({
    ...toMyClaim(r), decidedBy: r.decided_by,
    claimant: { driverId: r.claimant_id, phone: r.claimant_phone },
    holder: r.holder_id === null ? null : { driverId: r.holder_id, phone: r.holder_phone!, claimedAt: r.holder_claimed_at!.toISOString() },
  }));
}

/**
 * Approve (the plate moves to the claimant: new claimed_at, contactless off, so neither the old
 * owner's history nor an automatic charge follows it) or reject a pending claim. 404 unknown, 409
 * already decided.
 */
export async function decideClaim(pool: Pool, id: number, d: { action: 'approve' | 'reject'; note: string; accountId: string }): Promise<ClaimDecision> {
  return withTx(pool, async (c) => {
    const { rows } = await c.query<{ plate: string; driver_id: number; status: string }>('SELECT plate, driver_id, status FROM plate_claims WHERE id = $1 FOR UPDATE', [id]);
    const claim = rows[0];
    if (!claim) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Plate claim ${id}`);
    if (claim.status !== 'pending') throw new OneLotError('ONELOT_ERR_CONFLICT', `Plate claim ${id} was already ${claim.status}; reload the list.`);
    const status = d.action === 'approve' ? 'approved' : 'rejected';
    await c.query('UPDATE plate_claims SET status = $2, decided_at = now(), decided_by = $3, note = $4 WHERE id = $1', [id, status, d.accountId, d.note]);
    if (d.action === 'reject') return { id, plate: claim.plate, status, owner: null };
    await c.query('DELETE FROM driver_plates WHERE plate = $1', [claim.plate]);
    const p = await c.query<PlateRow>(
      `INSERT INTO driver_plates (plate, driver_id, contactless, added_at, claimed_at) VALUES ($1, $2, false, now(), now())
       RETURNING plate, contactless, added_at, claimed_at`, [claim.plate, claim.driver_id]);
    return { id, plate: claim.plate, status, owner: { driverId: claim.driver_id, ...toPlate(p.rows[0]) } };
  });
}

/** The message a claimant gets: the claim went to review; nothing about who holds the plate. */
export const pendingMessage = (plate: string) =>
  `The plate ${maskPlate(plate)} is on another account, so your claim went to the operators' review. Have the vehicle registration ready; the plate appears on your account once approved.`;
