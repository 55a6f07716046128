// The tariff engine's entry point for the rest of billing (and billing/index.ts): what a stay at a
// lot costs, and why, line by line. Pure: no I/O, no clock. The parts, one concern a file:
// - billing/tariff/schema.ts: the TypeBox tariff (as stored and accepted by the API) and the fee result;
// - billing/tariff/compile.ts: parseTariff, tariffInForce, and the checks a schema cannot express;
// - billing/tariff/fee.ts: computeFee — the tariff rules, listed in its head comment and each
//   cited where it is implemented;
// - billing/tariff/explain.ts: explainBill, the bill in English or Chinese;
// - billing/tariff/describe.ts: describeTariff, the rules in words; examples.ts: typical stays priced;
// - core/local-time.ts: the local wall clock from Intl (any IANA zone, DST included).
export { TARIFF_DEFAULTS, TariffSchema, type Band, type FeeLine, type FeeResult, type FreePeriod, type Tariff } from './tariff/schema.ts';
export { parseTariff, tariffInForce } from './tariff/compile.ts';
export { computeFee } from './tariff/fee.ts';
export { explainBill } from './tariff/explain.ts';
export { describeTariff } from './tariff/describe.ts';
export { priceStays, typicalStays } from './tariff/examples.ts';
