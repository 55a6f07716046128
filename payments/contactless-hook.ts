// "Leave and go" without a wait: the contactless attempt of an invoice is recorded in the ingest
// transaction that issued it, so it is sent to the provider as soon as that commits. After COMMIT,
// the auto-charger's pass had to wait for the one connection behind ingest's next batches to
// record it (issued → attempt recorded: p50 1.2 s, p99 2.0–2.3 s at 2,000 exits/s; docs/performance.md).
// The same statement and rules as the pass (auto-charger.ts recordAutoChargeable): nothing about
// who is charged changes, only when.
import type { BatchHook } from '../core/ingest-events.ts';
import { recordAutoChargeableOn } from './auto-charger.ts';
import type { PaymentsRuntime } from './runtime.ts';

export function contactlessHook(runtime: PaymentsRuntime, log: (msg: string) => void = () => {}): BatchHook {
  const hook: BatchHook = async (client, _events, _planned, lastIssued, notes) => {
    const charger = runtime.autoCharger;
    const wanted = charger && notes ? notes.issued.filter((i) => i.autoCharge && !i.chargeRecorded) : [];
    if (!charger || !wanted.length) {
      lastIssued?.();
      return;
    }
    // In a savepoint: a failure here must cost the batch nothing but this hint (the pass after
    // COMMIT records them as before), never its events.
    await client.query('SAVEPOINT contactless');
    let recorded: Awaited<ReturnType<typeof recordAutoChargeableOn>>;
    try {
      recorded = await recordAutoChargeableOn(client, wanted.map((i) => i.invoiceId));
      await client.query('RELEASE SAVEPOINT contactless');
    } catch (err) {
      await client.query('ROLLBACK TO SAVEPOINT contactless');
      log(`payments: contactless attempts not recorded with their invoices (the next pass records them): ${(err as Error).message}`);
      return;
    }
    // Every invoice looked at is judged: the chargeable ones have their attempt, the others would
    // be refused by a pass just the same. What the pass would refuse it reports alike.
    for (const i of wanted) i.chargeRecorded = true;
    for (const r of recorded.refused) if ('error' in r) log(`payments: contactless charge of invoice ${r.invoiceId} failed: ${r.error}`);
    return () => { void charger.send(recorded.toSend); };
  };
  // Only after billing, in a batch billing works on: the invoices are in `notes`.
  hook.follows = true;
  hook.concerns = () => runtime.autoCharger !== undefined;
  return hook;
}
