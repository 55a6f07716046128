// Resolve one exception with an optional note (a void also with its reason code: issue 11); the
// API's refusal (409: already resolved, or no session to approve or void) is shown as it words it.
import { useState } from 'react';
import { resolveException } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { ResolveAction } from '../../types.ts';
import { Field } from '../Field.tsx';
import { Notice } from '../Notice.tsx';
import { RESOLVE_ACTION } from './labels.ts';
import { reasonInput, useReasons, type ReasonState } from './ReasonFields.tsx';

interface Props {
  exceptionId: number;
  actions: ResolveAction[];
  token: string;
  onExpired: () => void;
  onResolved: (id: number) => void;
}

export function ResolveForm({ exceptionId, actions, token, onExpired, onResolved }: Props) {
  const { t, lang } = useI18n();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<ResolveAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reasons = useReasons(token, onExpired);
  const [reason, setReason] = useState<ReasonState>({ code: '', note: '' });
  // The void reason's note is the resolution's note too: one box, not two.
  const voidReason = reasonInput({ ...reason, note }, reasons);

  const resolve = async (action: ResolveAction) => {
    setBusy(action);
    setError(null);
    try {
      await resolveException(token, exceptionId, action, note.trim() || undefined, action === 'void' ? voidReason ?? undefined : undefined);
      onResolved(exceptionId);
    } catch (err) {
      setError(operatorFailure(err, onExpired));
      setBusy(null);
    }
  };

  return (
    <div className="resolve" role="group" aria-label={t('opResolveLabel', { id: exceptionId })}>
      <Field label={t('opNote')} id={`resolve-note-${exceptionId}`}>
        {(control) => <input {...control} className="input input--small" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} data-testid="resolve-note" />}
      </Field>
      {actions.includes('void') && (
        <Field label={t('opReason')} id={`resolve-reason-${exceptionId}`}>
          {(control) => (
            <select {...control} className="input input--small" value={reason.code} onChange={(e) => setReason({ ...reason, code: e.target.value as ReasonState['code'] })} data-testid="resolve-reason">
              <option value="">{t('opReasonPick')}</option>
              {reasons.map((r) => <option key={r.code} value={r.code}>{lang === 'zh' ? r.zh : r.en}</option>)}
            </select>
          )}
        </Field>
      )}
      <div className="resolve__actions">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={`btn btn--small${a === 'approve' ? ' btn--primary' : ''}`}
            title={t(RESOLVE_ACTION[a].help)}
            disabled={busy !== null || (a === 'void' && !voidReason)}
            onClick={() => void resolve(a)}
            data-testid={`resolve-${a}`}
          >
            {t(RESOLVE_ACTION[a].label)}
          </button>
        ))}
      </div>
      {error && <Notice message={error} />}
    </div>
  );
}
