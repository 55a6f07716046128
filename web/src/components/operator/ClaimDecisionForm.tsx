// Approve or reject one plate claim; the note is required (the API refuses an empty one), and the
// API's refusal (409: already decided) is shown as it words it.
import { useState } from 'react';
import { decidePlateClaim } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { Field } from '../Field.tsx';
import { Notice } from '../Notice.tsx';

interface Props {
  claimId: number;
  token: string;
  onExpired: () => void;
  onDecided: () => void;
}

export function ClaimDecisionForm({ claimId, token, onExpired, onDecided }: Props) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const decide = async (action: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await decidePlateClaim(token, claimId, action, note.trim());
      onDecided();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="resolve" role="group">
      <Field label={t('opClaimNoteLabel')} id={`claim-note-${claimId}`}>
        {(control) => <input {...control} className="input input--small" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} data-testid="claim-note" />}
      </Field>
      <div className="resolve__actions">
        <button type="button" className="btn btn--small btn--primary" disabled={busy || note.trim() === ''} onClick={() => void decide('approve')} data-testid="claim-approve">
          {t('opClaimApprove')}
        </button>
        <button type="button" className="btn btn--small" disabled={busy || note.trim() === ''} onClick={() => void decide('reject')} data-testid="claim-reject">
          {t('opClaimReject')}
        </button>
      </div>
      {error && <Notice message={error} />}
    </div>
  );
}
