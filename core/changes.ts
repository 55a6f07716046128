// In-process feed of committed availability changes: ingest publishes after each commit, the API's
// SSE stream and caches subscribe. Only what changed travels.
import { EventEmitter } from 'node:events';

export interface LotCounts { id: string; free: number; occupied: number; unknown: number; updatedAt: string }
export interface BayChange { code: string; lotId: string; occupied: boolean | null; since: string | null }
export interface AvailabilityChange { lots: LotCounts[]; bays: BayChange[] }

export class ChangeFeed extends EventEmitter<{ availability: [AvailabilityChange] }> {
  constructor() {
    super();
    // One listener per open SSE stream: thousands of map viewers are normal.
    this.setMaxListeners(0);
  }
}
