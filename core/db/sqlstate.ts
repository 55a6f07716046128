// SQLSTATEs OneLot raises or acts on, with what they ask of the caller.
import pg from 'pg';

/** serialization_failure: the transaction was rolled back; run it again. */
export const RETRY_TRANSACTION = '40001';
/**
 * OneLot's own (migration 033): an ingest batch sent behind another that did not commit was refused,
 * with nothing of it stored; plan it again and send it anew.
 */
export const BATCH_OUT_OF_ORDER = 'OL001';
/** transaction_resolution_unknown: the statement may or may not have committed. */
export const OUTCOME_UNKNOWN = '08007';

/**
 * Whether a failed statement or commit may still have taken effect: the server did not answer with
 * an error (the connection broke), or it said it does not know. An SQL error is a rollback.
 */
export function outcomeUnknown(err: unknown): boolean {
  return !(err instanceof pg.DatabaseError) || err.code === OUTCOME_UNKNOWN;
}
