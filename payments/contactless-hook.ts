// "Leave and go" without a wait: the contactless attempts of the invoices an ingest batch issued
// are recorded by a statement sent on the batch's own connection right behind its COMMIT, and sent
// to the provider once it answers. Recorded by the auto-charger's pass after COMMIT instead, they
// waited for the one connection behind ingest's next batches (issued → attempt recorded p50 0.8 s,
// p99 1.0–2.3 s at 2,000 exits/s; docs/performance.md). Inside the ingest transaction instead, the
// round trips it added left the database idle and slowed every batch. The same statement and
// rules as the pass (auto-charger.ts chargeableFrom): who is charged does not change, only when.
import type { BatchHook } from '../core/ingest-events.ts';
import { recordAutoChargeableOfSessions } from './auto-charger.ts';
import type { PaymentsRuntime } from './runtime.ts';

export function contactlessHook(runtime: PaymentsRuntime, log: (msg: string) => void = () => {}): BatchHook {
  // Nothing inside the transaction: only the statement behind its COMMIT.
  const hook: BatchHook = async () => {};
  hook.concerns = () => false;
  hook.behindCommit = (client, notes) => {
    const charger = runtime.autoCharger;
    if (!charger || !notes.invoicing.length) return undefined;
    const sessions = [...notes.invoicing];
    for (const id of sessions) notes.charging.add(id);
    // Its own transaction: if the batch rolled back it finds no invoice.
    const recording = recordAutoChargeableOfSessions(client, sessions);
    recording.catch(() => {}); // handled once committed (below)
    return () => {
      recording.then((r) => {
        for (const x of r.refused) if ('error' in x) log(`payments: contactless charge of invoice ${x.invoiceId} failed: ${x.error}`);
        return charger.send(r.toSend);
      }, (err: Error) => {
        // The hint after COMMIT skipped these invoices: a sweep finds them now.
        log(`payments: contactless attempts behind the ingest commit failed; sweeping for them: ${err.message}`);
        return charger.poke();
      }).catch((err: Error) => log(`payments: contactless charging after an ingest commit failed: ${err.message}`));
    };
  };
  return hook;
}
