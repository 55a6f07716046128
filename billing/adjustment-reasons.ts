// Why an invoice is refunded or voided, as codes with their zh and en texts in this one place
// (issue 11: "review reasons and exception texts come from codes with zh and en texts"). The API
// validates the code (a TypeBox enum of these keys), stores the code, and answers the texts
// (GET /api/v1/operator/adjustment-reasons), so the console shows no free text it must translate.
import { Type } from '@sinclair/typebox';

export const ADJUSTMENT_REASONS = {
  'device-fault': { zh: '设备故障（传感器或摄像头出错）', en: 'Device fault (sensor or camera error)' },
  'wrong-plate': { zh: '车牌识别错误（计费到了别的车）', en: 'Wrong plate (the camera read another car)' },
  'duplicate-charge': { zh: '重复收费', en: 'Duplicate charge' },
  'goodwill': { zh: '善意减免', en: 'Goodwill' },
  'exempt-vehicle': { zh: '免费车辆（应急、公务、通行证）', en: 'Exempt vehicle (emergency, official, pass holder)' },
  'other': { zh: '其他（须填写说明）', en: 'Other (a note is required)' },
} as const;

export type AdjustmentReasonCode = keyof typeof ADJUSTMENT_REASONS;
export const ADJUSTMENT_REASON_CODES = Object.keys(ADJUSTMENT_REASONS) as AdjustmentReasonCode[];

/** A reason as a request carries it: a code, and a note (required for 'other': the code says nothing). */
export const AdjustmentReason = Type.Object({
  code: Type.Union(ADJUSTMENT_REASON_CODES.map((c) => Type.Literal(c)), {
    description: ADJUSTMENT_REASON_CODES.map((c) => `${c}: ${ADJUSTMENT_REASONS[c].en}`).join('; '),
  }),
  note: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });

/** The note a reason needs, or why it is missing (a sentence for the 400). */
export function reasonProblem(reason: { code: AdjustmentReasonCode; note?: string }): string | null {
  return reason.code === 'other' && !reason.note?.trim() ? 'reason "other" needs a note saying why' : null;
}
