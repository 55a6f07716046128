// The audit log's filters: action (an exact one, or a family ending in "."), who, the object (type
// and id), local days (the operator's zone) and, for the city, the operator. Applied on submit.
import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n.ts';
import type { ConsoleAccount, OperatorSummary } from '../../types.ts';
import { Field } from '../Field.tsx';
import { ACTION_LABEL } from './labels.ts';

export interface AuditFilter { action: string; accountId: string; objectType: string; objectId: string; fromDay: string; toDay: string; operatorId: string }
export const NO_FILTER: AuditFilter = { action: '', accountId: '', objectType: '', objectId: '', fromDay: '', toDay: '', operatorId: '' };

const OBJECT_TYPES = ['account', 'operator', 'invoice', 'exception', 'lot', 'bay', 'device', 'tariff', 'pass'];

interface Props {
  value: AuditFilter;
  onApply: (f: AuditFilter) => void;
  accounts: readonly ConsoleAccount[];
  /** The city's list of operators; null for an admin (held to its own). */
  operators: readonly OperatorSummary[] | null;
}

export function AuditFilters({ value, onApply, accounts, operators }: Props) {
  const { t } = useI18n();
  const [f, setF] = useState(value);
  const set = (k: keyof AuditFilter) => (v: string) => setF((x) => ({ ...x, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ ...f, action: f.action.trim(), accountId: f.accountId.trim(), objectType: f.objectType.trim(), objectId: f.objectId.trim() });
  };
  const text = (k: keyof AuditFilter, label: string, list?: string, hint?: string) => (
    <Field label={label} hint={hint}>
      {(c) => <input {...c} className="input" value={f[k]} list={list} placeholder={t('auAll')} autoCapitalize="none" spellCheck={false} maxLength={80} onChange={(e) => set(k)(e.target.value)} data-testid={`audit-${k}`} />}
    </Field>
  );
  const day = (k: 'fromDay' | 'toDay', label: string) => (
    <Field label={label} narrow>
      {(c) => <input {...c} className="input" type="date" value={f[k]} onChange={(e) => set(k)(e.target.value)} data-testid={`audit-${k}`} />}
    </Field>
  );
  return (
    <form className="form-grid" onSubmit={submit} data-testid="audit-filters">
      {text('action', t('auAction'), 'audit-actions', t('auActionHint'))}
      <datalist id="audit-actions">
        {Object.entries(ACTION_LABEL).map(([code, label]) => <option key={code} value={code}>{t(label)}</option>)}
        <option value="account.">account.*</option>
      </datalist>
      {text('accountId', t('auAccount'), 'audit-accounts')}
      <datalist id="audit-accounts">{accounts.map((a) => <option key={a.accountId} value={a.accountId}>{a.name}</option>)}</datalist>
      {text('objectType', t('auObjectType'), 'audit-object-types')}
      <datalist id="audit-object-types">{OBJECT_TYPES.map((o) => <option key={o} value={o} />)}</datalist>
      {text('objectId', t('auObjectId'))}
      {day('fromDay', t('auFrom'))}
      {day('toDay', t('auTo'))}
      {operators && (
        <Field label={t('auOperator')} narrow>
          {(c) => (
            <select {...c} className="input" value={f.operatorId} onChange={(e) => set('operatorId')(e.target.value)} data-testid="audit-operatorId">
              <option value="">{t('auAllOperators')}</option>
              {operators.map((o) => <option key={o.operatorId} value={o.operatorId}>{`${o.name} · ${o.operatorId}`}</option>)}
            </select>
          )}
        </Field>
      )}
      <button type="submit" className="btn btn--primary" data-testid="audit-apply">{t('auApply')}</button>
      <button type="button" className="btn" onClick={() => { setF(NO_FILTER); onApply(NO_FILTER); }} data-testid="audit-clear">{t('auClear')}</button>
    </form>
  );
}
