// The review queue, pure: which resolutions an exception offers, and how a plate read compares.
import type { ResolveAction, ReviewSession, SessionException } from './types.ts';

/**
 * The resolutions that can do something (api/routes/sessions.ts, POST …/exceptions/:id/resolve):
 * - no session: only dismiss (approve and void answer 409 "concerns no session");
 * - its session is waiting in review: approve (it becomes chargeable), void its invoice, or dismiss;
 * - its session is not in review (open, or already closed): approving changes nothing, so only
 *   void (its outstanding invoice, if any) or dismiss.
 */
export function exceptionActions(ex: Pick<SessionException, 'sessionId'>, inReview: ReadonlySet<number>): ResolveAction[] {
  if (ex.sessionId === null) return ['dismiss'];
  if (inReview.has(ex.sessionId)) return ['approve', 'void', 'dismiss'];
  return ['void', 'dismiss'];
}

/** True when the exit camera read something other than the session's plate (a misread matched). */
export function exitReadDiffers(s: Pick<ReviewSession, 'plate' | 'exitPlateRead'>): boolean {
  return s.exitPlateRead !== null && s.plate !== null && s.exitPlateRead !== s.plate;
}

/** A plate read's confidence, "0.63"; "—" when the read had none (a sensor, a manual close). */
export function formatConfidence(c: number | null): string {
  return c === null || !Number.isFinite(c) ? '—' : c.toFixed(2);
}
