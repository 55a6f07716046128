// Resolve one exception with an optional note; the API's refusal (409: already resolved, or no
// session to approve or void) is shown as it words it.
import { useState } from 'react';
import { resolveException } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { ResolveAction } from '../../types.ts';
import { Field } from '../Field.tsx';
import { Notice } from '../Notice.tsx';
import { RESOLVE_ACTION } from './labels.ts';

interface Props {
  exceptionId: number;
  actions: ResolveAction[];
  token: string;
  onExpired: () => void;
  onResolved: (id: number) => void;
}

export function ResolveForm({ exceptionId, actions, token, onExpired, onResolved }: Props) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<ResolveAction | null>(null);
  const [error, setError] = useState<string | null>(null);

  const resolve = async (action: ResolveAction) => {
    setBusy(action);
    setError(null);
    try {
      await resolveException(token, exceptionId, action, note.trim() || undefined);
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
      <div className="resolve__actions">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={`btn btn--small${a === 'approve' ? ' btn--primary' : ''}`}
            title={t(RESOLVE_ACTION[a].help)}
            disabled={busy !== null}
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
