// Why a refund or void is made: a reason code chosen from the API's list (its zh and en texts:
// billing/adjustment-reasons.ts) and a note, required for "other". Shared by the refund and void dialogs.
import { useCallback } from 'react';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { fetchAdjustmentReasons } from '../../refunds-api.ts';
import type { AdjustmentReason, AdjustmentReasonCode, AdjustmentReasonInput } from '../../types.ts';
import { Field } from '../Field.tsx';

export function useReasons(token: string, onExpired: () => void): AdjustmentReason[] {
  const load = useCallback((signal: AbortSignal) => fetchAdjustmentReasons(token, signal), [token]);
  return useOperatorQuery(load, onExpired).data?.reasons ?? [];
}

export interface ReasonState { code: AdjustmentReasonCode | ''; note: string }

/** The reason as the API takes it, or null while it is incomplete (no code; other without a note). */
export function reasonInput(r: ReasonState, reasons: AdjustmentReason[]): AdjustmentReasonInput | null {
  const def = reasons.find((x) => x.code === r.code);
  if (!def || (def.noteRequired && !r.note.trim())) return null;
  return { code: def.code, ...(r.note.trim() ? { note: r.note.trim() } : {}) };
}

interface Props { idPrefix: string; reasons: AdjustmentReason[]; value: ReasonState; onChange: (v: ReasonState) => void }

export function ReasonFields({ idPrefix, reasons, value, onChange }: Props) {
  const { t, lang } = useI18n();
  return (
    <>
      <Field label={t('opReason')} id={`${idPrefix}-reason`}>
        {(control) => (
          <select {...control} className="input" value={value.code} onChange={(e) => onChange({ ...value, code: e.target.value as AdjustmentReasonCode })} data-testid="reason-code">
            <option value="">{t('opReasonPick')}</option>
            {reasons.map((r) => <option key={r.code} value={r.code}>{lang === 'zh' ? r.zh : r.en}</option>)}
          </select>
        )}
      </Field>
      <Field label={t('opReasonNote')} id={`${idPrefix}-note`}>
        {(control) => <input {...control} className="input" maxLength={500} value={value.note} onChange={(e) => onChange({ ...value, note: e.target.value })} data-testid="reason-note" />}
      </Field>
    </>
  );
}

/** A stored reason code in the page's language (the code itself until the list is loaded). */
export function reasonText(code: string, reasons: AdjustmentReason[], lang: 'zh' | 'en'): string {
  const r = reasons.find((x) => x.code === code);
  return r ? (lang === 'zh' ? r.zh : r.en) : code;
}
