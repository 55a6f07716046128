// billing's entry point: what other modules, the seed and the composer may use. Anything else in
// this folder is internal (the dependency rules in .dependency-cruiser.cjs hold it so).
export { billingModule, type BillingModule, type BillingModuleOptions } from './module.ts';
export { computeFee, parseTariff, tariffInForce, type Band, type FeeLine, type Tariff } from './tariff.ts';
export { tariffFamilyId } from './billing-book.ts';
export { type Queryable } from './session-store.ts';
// Refunds (payments) take the same reason codes and evidence as voids.
export { AdjustmentReason, reasonProblem, type AdjustmentReasonCode } from './adjustment-reasons.ts';
export { attachEvidence, attachedEvidence } from './evidence.ts';
export { EvidenceEvent, EvidenceIds, ReasonCode } from './http/schemas.ts';
export type { ExceptionDetail } from './exception-details.ts';
// Demand-responsive pricing: the bench (load-tests/bench-pricing.ts) runs the platform's own steps.
export { DEFAULT_POLICY, recommendationWindow, recommendPrices, type HourOccupancy } from './pricing/recommend.ts';
