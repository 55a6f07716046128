// City role: onboard an operator and its first admin (operators/http/accounts.ts POST /operators).
// The answer's one-time setup code is handed up to be shown once.
import { useState, type FormEvent } from 'react';
import { onboardOperator } from '../../accounts-api.ts';
import { ApiError } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n, type Translate } from '../../i18n.ts';
import type { WithSetupCode } from '../../types.ts';
import { Field } from '../Field.tsx';

interface TextFieldProps {
  label: string; value: string; onChange: (v: string) => void; testId: string;
  hint?: string; placeholder?: string; maxLength?: number; pattern?: string; identifier?: boolean;
}

/** A labelled text input with a hint; `identifier`: a sign-in name or id (no capitals, no spell check). */
export function TextField({ label, value, onChange, testId, hint, placeholder, maxLength = 200, pattern, identifier = false }: TextFieldProps) {
  return (
    <Field label={label} hint={hint}>
      {(c) => (
        <input
          {...c} className="input" value={value} placeholder={placeholder} maxLength={maxLength} pattern={pattern} required data-testid={testId}
          {...(identifier ? { autoCapitalize: 'none', spellCheck: false, autoComplete: 'off' } : {})}
          onChange={(e) => onChange(identifier ? e.target.value.toLowerCase() : e.target.value)}
        />
      )}
    </Field>
  );
}

/**
 * A refused account or operator form: the refusals a person can fix (a taken name, a field out of
 * its rule) led by a line in the page's language, then the API's own sentence naming the field.
 */
export function accountFailure(err: unknown, onExpired: () => void, t: Translate): string | null {
  const detail = operatorFailure(err, onExpired);
  if (detail === null || !(err instanceof ApiError)) return detail;
  if (err.status === 409) return `${t('acTaken')} ${detail}`;
  if (err.status === 400) return `${t('acInvalid')} ${detail}`;
  return detail;
}

const EMPTY = { operatorId: '', name: '', adminAccount: '', adminName: '' };

export function OnboardForm({ token, onExpired, onDone }: { token: string; onExpired: () => void; onDone: (made: WithSetupCode) => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof EMPTY) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const made = await onboardOperator(token, { operatorId: form.operatorId.trim(), name: form.name.trim(), adminAccount: form.adminAccount.trim(), adminName: form.adminName.trim() });
      setForm(EMPTY);
      onDone(made);
    } catch (err) {
      setError(accountFailure(err, onExpired, t));
    }
    setBusy(false);
  };
  return (
    <form className="form-grid" onSubmit={submit} data-testid="onboard-form">
      <TextField label={t('onOperatorId')} hint={t('onOperatorIdHint')} value={form.operatorId} onChange={set('operatorId')} testId="onboard-operator-id" placeholder="op-zzpark" maxLength={40} identifier />
      <TextField label={t('onName')} hint={t('onNameHint')} value={form.name} onChange={set('name')} testId="onboard-name" />
      <TextField label={t('onAdminAccount')} hint={t('onAdminAccountHint')} value={form.adminAccount} onChange={set('adminAccount')} testId="onboard-admin-account" placeholder="wang@op-zzpark" maxLength={80} identifier />
      <TextField label={t('onAdminName')} value={form.adminName} onChange={set('adminName')} testId="onboard-admin-name" />
      {error && <div className="notice" role="alert" data-testid="onboard-error">{error}</div>}
      <button type="submit" className="btn btn--primary" disabled={busy} data-testid="onboard-submit">{busy ? t('loading') : t('onSubmit')}</button>
    </form>
  );
}
