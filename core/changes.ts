// In-process feed of committed changes: ingest publishes availability after each commit (the API's
// SSE stream and caches subscribe; only what changed travels), billing publishes the invoices it
// issued (payments charges the contactless ones at once), operators publish the lots and devices
// they changed (the API reloads its lot cache; ingest forgets a device's cached identity and closes
// its live connection). Modules meet here instead of importing each other.
import { EventEmitter } from 'node:events';

/** dataQuality: share of the lot's bays on fresh, consistent evidence (core/data-quality.ts); absent: unchanged. */
export interface LotCounts { id: string; free: number; occupied: number; unknown: number; dataQuality?: number | null; updatedAt: string }
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

/** Lots an operator created, edited, published, retired, or whose bays changed: public views reload them. */
export interface LotsChanged { lotIds: string[] }

/**
 * A device an operator changed. rotated/disabled: its old secret or its right to connect is gone, so
 * a live connection must close now; updated: what it watches changed, so its cached identity is stale.
 */
export interface DeviceChange { deviceId: string; action: 'rotated' | 'disabled' | 'updated' }

export class ChangeFeed extends EventEmitter<{
  availability: [AvailabilityChange];
  invoices: [IssuedInvoice[]];
  lots: [LotsChanged];
  devices: [DeviceChange];
}> {
  constructor() {
    super();
    // One listener per open SSE stream: thousands of map viewers are normal.
    this.setMaxListeners(0);
  }
}
