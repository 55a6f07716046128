// The tariff as stored (jsonb) and accepted by the API, and the fee it yields: one TypeBox
// contract, so the route schemas, the OpenAPI document and the web's types are written once.
// The rules these fields drive are in billing/tariff/fee.ts.
import { Type, type Static } from '@sinclair/typebox';
import type { PlateKind } from '../../core/plates.ts';

// ---------------------------------------------------------------------------------------------
// Schema: a tariff version as stored (jsonb) and accepted by the API.

const WallClock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local wall-clock time, HH:MM (24 h)' });
const LocalDate = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', description: 'local calendar date, YYYY-MM-DD' });
// A pattern, not format: 'date-time', so both Ajv and TypeBox's Value accept it without format plugins.
const IsoDateTime = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
  description: 'ISO 8601 date-time with an offset, e.g. 2026-01-01T00:00:00+08:00',
});
const Fen = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'money in fen (CNY cents)' });
const Minutes = Type.Integer({ minimum: 1, maximum: 1440 });

export const TierSchema = Type.Object({
  /** Chargeable minutes of the band period after which this tier's unit applies (60 = after the first hour). */
  afterMinutes: Type.Integer({ minimum: 1, maximum: 10_080 }),
  unit: Type.Object({ minutes: Minutes, fen: Fen }, { additionalProperties: false }),
}, { additionalProperties: false });

export const UnitPricingSchema = Type.Object({
  kind: Type.Literal('units'),
  /** Price of the first unit of each band period (首小时), if it differs from the later units. */
  firstUnit: Type.Optional(Type.Object({ minutes: Minutes, fen: Fen }, { additionalProperties: false })),
  /** Every further unit; a started unit is charged in full. */
  unit: Type.Object({ minutes: Minutes, fen: Fen }, { additionalProperties: false }),
  /**
   * Progressive tiers (阶梯计费): after the first afterMinutes of the band period the unit length
   * and price change, e.g. Beijing's ¥2.50 per 15 min within the first hour, ¥3.75 per 15 min after
   * it ({ afterMinutes: 60, unit: { minutes: 15, fen: 375 } }). Increasing afterMinutes.
   */
  tiers: Type.Optional(Type.Array(TierSchema, { maxItems: 10 })),
}, { additionalProperties: false });

export const PerVisitPricingSchema = Type.Object({
  kind: Type.Literal('per-visit'),
  /** One price for the whole band period, however long (e.g. 夜间按次 ¥2). */
  fen: Fen,
}, { additionalProperties: false });

export const BandSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 40, description: 'e.g. Day' }),
  nameZh: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'e.g. 白天' })),
  /** Start and end in local time; a band may wrap midnight (21:00–07:00). from = to is the whole day. */
  from: WallClock,
  to: WallClock,
  pricing: Type.Union([UnitPricingSchema, PerVisitPricingSchema]),
  /** Most one band period can cost (e.g. 夜间封顶 ¥5). */
  capFen: Type.Optional(Fen),
}, { additionalProperties: false });

const FreeName = {
  name: Type.String({ minLength: 1, maxLength: 40 }),
  nameZh: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
};
export const FreePeriodSchema = Type.Union([
  Type.Object({ kind: Type.Literal('weekdays'), ...FreeName, days: Type.Array(Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday' }), { minItems: 1, maxItems: 7, uniqueItems: true }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('dates'), ...FreeName, dates: Type.Array(LocalDate, { minItems: 1, maxItems: 366 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('daily'), ...FreeName, from: WallClock, to: WallClock }, { additionalProperties: false }),
]);

export const NewEnergySchema = Type.Object({
  /** Free minutes from entry for green plates (新能源首2小时免费 = 120). */
  freeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080 })),
  /** Percentage off the capped charge for green plates. */
  discountPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
}, { additionalProperties: false });

export const EvBayMisuseSchema = Type.Object({
  /** Minutes a car that is not new-energy may stand in an EV-charging bay before the fee starts. */
  graceMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
  /** The fee per started unit after the grace (e.g. ¥10 per started hour). */
  unit: Type.Object({ minutes: Minutes, fen: Fen }, { additionalProperties: false }),
}, { additionalProperties: false });

export const TariffSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 80 }),
  lotId: Type.String({ minLength: 1, maxLength: 80 }),
  version: Type.Integer({ minimum: 1 }),
  /** In force for stays that enter at or after this instant, until the next version's validFrom. */
  validFrom: IsoDateTime,
  name: Type.String({ minLength: 1, maxLength: 80 }),
  nameZh: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  /** IANA zone in which bands, free periods and dates are read. Default Asia/Shanghai. */
  timeZone: Type.Optional(Type.String({ minLength: 1, default: 'Asia/Shanghai' })),
  /** A stay this long or shorter is free. Default 15. */
  graceMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440, default: 15 })),
  /** false (default): past the grace the whole stay is charged; true: the grace minutes stay free. */
  graceDeducted: Type.Optional(Type.Boolean({ default: false })),
  /** Must tile the 24-hour day: each band ends where the next begins. */
  bands: Type.Array(BandSchema, { minItems: 1, maxItems: 24 }),
  /** Most any 24 hours counted from entry can cost. */
  dailyCapFen: Type.Optional(Fen),
  newEnergy: Type.Optional(NewEnergySchema),
  /** A misuse fee for cars that are not new-energy in an EV-charging bay (street bays, seen by its camera). */
  evBayMisuse: Type.Optional(EvBayMisuseSchema),
  freePeriods: Type.Optional(Type.Array(FreePeriodSchema, { maxItems: 50 })),
}, { $id: 'Tariff', additionalProperties: false });

export type Tariff = Static<typeof TariffSchema>;
export type Band = Static<typeof BandSchema>;
export type FreePeriod = Static<typeof FreePeriodSchema>;

export const TARIFF_DEFAULTS = { timeZone: 'Asia/Shanghai', graceMinutes: 15, graceDeducted: false } as const;

// ---------------------------------------------------------------------------------------------
// Result: what computeFee returns (and invoices store as their lines).

export type FeeLineKind =
  | 'grace' // the grace period (the whole stay when it was short enough, or the deducted minutes)
  | 'new-energy-free' // free minutes for green plates
  | 'free-period' // a weekday, date or daily window that costs nothing
  | 'band' // time charged in a band
  | 'band-cap' // a band period's cap (negative)
  | 'daily-cap' // a 24-hour window's cap (negative)
  | 'new-energy-discount' // green-plate percentage (negative)
  | 'ev-bay-misuse' // a car that is not new-energy in an EV-charging bay past the grace: outside every cap
  | 'pass' // the stay is covered by a monthly pass (月卡): the only line, zero
  | 'free-list'; // the plate is on a free list (staff, residents, emergency vehicles): the only line, zero

export interface FeeLine {
  kind: FeeLineKind;
  /** Band, free period or rule the line is about, in English and Chinese. */
  name: string;
  nameZh: string;
  /** For band lines: which price applied ('tier': a progressive tier, see afterMinutes). */
  part?: 'first-unit' | 'later-units' | 'tier' | 'per-visit';
  /** For tier lines: the tier applies after this many chargeable minutes of the band period. */
  afterMinutes?: number;
  /** UTC ISO instants the line covers. */
  from: string;
  to: string;
  /** Minutes the line is about (charged minutes for band lines; free minutes for free lines). */
  minutes: number;
  units: number;
  unitMinutes: number;
  unitFen: number;
  /** Integer fen; negative for adjustments. */
  amountFen: number;
  /** The cap that applied (band-cap, daily-cap). */
  capFen?: number;
  /** The discount that applied (new-energy-discount). */
  percent?: number;
  /** The tariff's grace (grace). */
  graceMinutes?: number;
  /** The line in English; explainBill renders it in either language. */
  description: string;
}

export interface FeeResult {
  /** What the driver pays, in fen; always the sum of lines[].amountFen. */
  totalFen: number;
  lines: FeeLine[];
  tariffId: string;
  tariffVersion: number;
  lotId: string;
  timeZone: string;
  plateKind: PlateKind;
  /** Entry and exit as billed (to the minute), UTC ISO. */
  entry: string;
  exit: string;
  stayMinutes: number;
}
