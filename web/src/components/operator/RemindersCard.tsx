// Send the overdue reminders now instead of waiting for REMINDER_CRON, and show what became of
// each: sent, delivered, deferred by quiet hours, failed, or no one to send it to.
import { useState } from 'react';
import { runReminders } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { RemindersRunResponse } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import { ReminderMessages } from './ReminderMessages.tsx';

interface Props {
  token: string;
  onExpired: () => void;
  onSent: () => void;
}

export function RemindersCard({ token, onExpired, onSent }: Props) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<RemindersRunResponse | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await runReminders(token));
      onSent();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    } finally {
      setBusy(false);
    }
  };

  const n = (s: string) => result?.counts[s] ?? 0;
  return (
    <section className="card" data-testid="reminders-card">
      <h2>{t('opReminders')}</h2>
      <p className="muted">{t('opRemindersHint')}</p>
      <div>
        <button type="button" className="btn btn--primary" disabled={busy} onClick={() => void run()} data-testid="reminders-run">
          {t('opRunReminders')}
        </button>
      </div>
      {error && <Notice message={error} />}
      {result && (
        <div role="status" data-testid="reminders-result" data-created={result.created} data-messages={result.messages.length}>
          <p className="pay-msg pay-msg--ok">{result.messages.length ? t('opRemindersResult', { n: result.created }) : t('opRemindersNone')}</p>
          {result.messages.length > 0 && (
            <>
              <p className="muted" data-testid="reminders-counts">
                {t('opRemindersCounts', { delivered: n('delivered'), sent: n('sent'), deferred: n('deferred_quiet_hours'), queued: n('queued'), failed: n('failed'), none: n('no_recipient') })}
              </p>
              <ReminderMessages messages={result.messages} showPlate />
            </>
          )}
        </div>
      )}
    </section>
  );
}
