// What the payment routes need but which exists only once the platform listens (the provider's
// webhook URL is the API's own URL). Filled by the module's start; until then payment routes
// answer 503.
import { OneLotError } from '../core/errors.ts';
import type { ProviderClient } from './client.ts';
import type { SimulatedProvider } from './provider-sim/server.ts';
import type { AutoCharger } from './auto-charger.ts';
import type { QuietHours } from './quiet-hours.ts';

export class PaymentsRuntime {
  client?: ProviderClient;
  autoCharger?: AutoCharger;
  /** The in-process simulated provider, when there is one (tests read its ledger). */
  provider?: SimulatedProvider;
  /** The module's log once started (its ingest hook logs through it). */
  log: (msg: string) => void = () => {};
  /** REMINDER_QUIET_HOURS, parsed. */
  quiet: QuietHours | null = null;

  /** The clock reminder runs read (tests set one: quiet hours and "once a day" depend on it). */
  constructor(readonly now: () => Date = () => new Date()) {}

  /** The provider client, or 503 ONELOT_ERR_UNAVAILABLE while payments are starting. */
  requireClient(): ProviderClient {
    if (!this.client) throw new OneLotError('ONELOT_ERR_UNAVAILABLE');
    return this.client;
  }
}
