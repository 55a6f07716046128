// What the shell's own routes (availability, guidance, stream, health, config) are given.
import type { ChangeFeed } from '../core/changes.ts';
import type { Pool } from '../core/db/index.ts';
import type { Metrics } from '../core/metrics.ts';
import type { OneLotModule } from '../core/module.ts';
import type { AvailabilityCache } from './availability-cache.ts';

export interface ApiConfig {
  tileUrl: string;
  /** Directory of the built web page (web/dist); `/` serves its index.html. */
  webDir?: string;
  /** Interval at which the live stream flushes merged changes (ms). */
  streamFlushMs?: number;
}

export interface ApiContext {
  config: ApiConfig;
  pool: Pool;
  metrics: Metrics;
  cache: AvailabilityCache;
  /** The in-process feed: guidance reports arrivals it sent away from a full lot (core/changes.ts). */
  changes: ChangeFeed;
  /** Readiness of the parts the API does not own (the MQTT broker). */
  brokerStatus: () => { ok: boolean };
  /** What parking at a lot would cost (fen), from the module that knows tariffs; null if unknown. */
  priceEstimate?: OneLotModule['priceEstimate'];
  /** Free bays at arrival, from the module that forecasts them (analytics); guidance ranks by it. */
  arrivalForecast?: OneLotModule['arrivalForecast'];
}
