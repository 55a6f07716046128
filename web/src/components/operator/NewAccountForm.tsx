// Admin: a new staff (or admin) account of its operator, with a refund limit typed in yuan and sent
// in fen (tariffs/draft.ts parseYuan: integer arithmetic, no float yuan).
import { useState, type FormEvent } from 'react';
import { createAccount } from '../../accounts-api.ts';
import { useI18n } from '../../i18n.ts';
import type { WithSetupCode } from '../../types.ts';
import { Field } from '../Field.tsx';
import { accountFailure, TextField } from './OnboardForm.tsx';
import { parseYuan } from './tariffs/draft.ts';

/** A refund limit as typed: '' is none (no refunds), else whole or decimal yuan. */
export function RefundLimitInput({ value, onChange, testId }: { value: string; onChange: (v: string) => void; testId: string }) {
  const { t } = useI18n();
  const bad = value.trim() !== '' && parseYuan(value) === null;
  return (
    <Field label={t('stLimitYuan')} hint={bad ? t('stBadYuan') : t('stLimitHint')} invalid={bad} narrow>
      {(c) => <input {...c} className="input input--num" inputMode="decimal" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />}
    </Field>
  );
}

const EMPTY = { accountId: '', name: '', role: 'staff' as 'staff' | 'admin', limit: '' };

export function NewAccountForm({ token, onExpired, onDone }: { token: string; onExpired: () => void; onDone: (made: WithSetupCode) => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const limitFen = form.limit.trim() === '' ? undefined : parseYuan(form.limit);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (limitFen === null) return setError(t('stBadYuan'));
    setBusy(true);
    setError(null);
    try {
      const made = await createAccount(token, { accountId: form.accountId.trim(), name: form.name.trim(), role: form.role, ...(limitFen === undefined ? {} : { refundLimitFen: limitFen }) });
      setForm(EMPTY);
      onDone(made);
    } catch (err) {
      setError(accountFailure(err, onExpired, t));
    }
    setBusy(false);
  };
  return (
    <form className="form-grid" onSubmit={submit} data-testid="staff-form">
      <TextField label={t('stNewAccount')} hint={t('onAdminAccountHint')} value={form.accountId} onChange={(v) => setForm((f) => ({ ...f, accountId: v }))} testId="staff-account" placeholder="li.wei@op-zzpark" maxLength={80} identifier />
      <TextField label={t('stName')} value={form.name} onChange={(v) => setForm((f) => ({ ...f, name: v }))} testId="staff-name" />
      <Field label={t('stColRole')} narrow>
        {(c) => (
          <select {...c} className="input" value={form.role} onChange={(e) => setForm((f) => ({ ...f, role: e.target.value as 'staff' | 'admin' }))} data-testid="staff-role">
            <option value="staff">{t('roleStaff')}</option>
            <option value="admin">{t('roleAdmin')}</option>
          </select>
        )}
      </Field>
      {form.role === 'staff' && <RefundLimitInput value={form.limit} onChange={(v) => setForm((f) => ({ ...f, limit: v }))} testId="staff-limit" />}
      {error && <div className="notice" role="alert" data-testid="staff-error">{error}</div>}
      <button type="submit" className="btn btn--primary" disabled={busy} data-testid="staff-create">{busy ? t('loading') : t('stCreate')}</button>
    </form>
  );
}
