// Send the overdue reminders now instead of waiting for REMINDER_CRON, and show what went out.
import { useState } from 'react';
import { runReminders } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import type { RemindersRunResponse } from '../../types.ts';
import { Notice } from '../Notice.tsx';

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
        <div role="status" data-testid="reminders-result" data-sent={result.sent.length}>
          <p className="pay-msg pay-msg--ok">{result.sent.length ? t('opRemindersResult', { n: result.sent.length }) : t('opRemindersNone')}</p>
          {result.sent.length > 0 && (
            <ul className="compact-list">
              {result.sent.map((s) => (
                <li key={s.invoiceId}>
                  <span className="plate-chip plate-chip--small">{s.plate}</span> #{s.invoiceId} {formatFen(s.amountFen)} · {t('opRemindersSent', { n: s.remindersSent })}
                  {s.recipient && <span className="muted"> → {s.recipient}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
