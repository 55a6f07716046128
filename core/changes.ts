// In-process feed of committed changes: ingest publishes availability after each commit (the API's
// SSE stream and caches subscribe; only what changed travels), billing publishes the invoices it
// issued (payments charges the contactless ones at once). Modules meet here instead of importing
// each other.
import { EventEmitter } from 'node:events';

export interface LotCounts { id: string; free: number; occupied: number; unknown: number; updatedAt: string }
export interface BayChange { code: string; lotId: string; occupied: boolean | null; since: string | null }
export interface AvailabilityChange { lots: LotCounts[]; bays: BayChange[] }

/** An invoice a committed ingest batch issued. A hint only: the payments worker also scans the database. */
export interface IssuedInvoice {
  invoiceId: number;
  sessionId: number;
  lotId: string;
  plate: string;
  amountFen: number;
  /** false when the session is in review: never charge it automatically. */
  autoCharge: boolean;
  exitDevice: string;
  exitSeq: number;
}

export class ChangeFeed extends EventEmitter<{ availability: [AvailabilityChange]; invoices: [IssuedInvoice[]] }> {
  constructor() {
    super();
    // One listener per open SSE stream: thousands of map viewers are normal.
    this.setMaxListeners(0);
  }
}
