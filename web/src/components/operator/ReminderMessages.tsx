// Reminder messages as a list: status, when, to which (masked) phone, delivered at or why not.
// Used by the reminders card (a run's result) and by a plate's reminder history.
import { useI18n } from '../../i18n.ts';
import { formatLocalTime } from '../../format.ts';
import { formatFen } from '../../money.ts';
import type { ReminderMessage } from '../../types.ts';
import { REMINDER_STATUS } from './labels.ts';

export function ReminderMessages({ messages, showPlate }: { messages: ReminderMessage[]; showPlate: boolean }) {
  const { t } = useI18n();
  return (
    <ul className="compact-list reminder-list" data-testid="reminder-messages">
      {messages.map((m) => (
        <li key={m.id} data-testid="reminder-message" data-status={m.status} data-invoice-id={m.invoiceId}>
          <span className={`chip ${REMINDER_STATUS[m.status].chip}`} data-testid="reminder-status">{t(REMINDER_STATUS[m.status].label)}</span>{' '}
          {showPlate && <span className="plate-chip plate-chip--small">{m.plate}</span>} #{m.invoiceId} {formatFen(m.amountFen)}
          <span className="muted">
            {' · '}{formatLocalTime(m.createdAt)}{' · '}
            <span data-testid="reminder-recipient">{m.recipient ? t('opReminderTo', { phone: m.recipient }) : t('opReminderNoPhone')}</span>
            {m.deliveredAt && <span data-testid="reminder-delivered-at">{' · '}{t('opReminderDeliveredAt', { at: formatLocalTime(m.deliveredAt) })}</span>}
            {m.attempts > 1 && <>{' · '}{t('opReminderAttempts', { n: m.attempts })}</>}
          </span>
          {m.error && <span className="reminder-error" data-testid="reminder-error">{m.error}</span>}
        </li>
      ))}
    </ul>
  );
}
