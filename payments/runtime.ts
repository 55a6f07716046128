// What the payment routes need but which exists only once the platform listens (the provider's
// webhook URL is the API's own URL). Filled by the module's start; until then payment routes
// answer 503.
import { OneLotError } from '../core/errors.ts';
import type { ProviderClient } from './client.ts';
import type { SimulatedProvider } from './provider-sim/server.ts';
import type { AutoCharger } from './auto-charger.ts';

export class PaymentsRuntime {
  client?: ProviderClient;
  autoCharger?: AutoCharger;
  /** The in-process simulated provider, when there is one (tests read its ledger). */
  provider?: SimulatedProvider;

  /** The provider client, or 503 ONELOT_ERR_UNAVAILABLE while payments are starting. */
  requireClient(): ProviderClient {
    if (!this.client) throw new OneLotError('ONELOT_ERR_UNAVAILABLE');
    return this.client;
  }
}
