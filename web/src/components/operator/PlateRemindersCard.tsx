// One plate's reminder history at the operator's lots, newest first (opened from its bills).
import { useCallback } from 'react';
import { fetchPlateReminders } from '../../api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { Notice } from '../Notice.tsx';
import { ReminderMessages } from './ReminderMessages.tsx';

interface Props {
  plate: string;
  token: string;
  onExpired: () => void;
}

export function PlateReminders({ plate, token, onExpired }: Props) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchPlateReminders(token, plate, signal), [token, plate]);
  const history = useOperatorQuery(load, onExpired);
  const d = history.data;
  return (
    <div className="plate-reminders" data-testid="plate-reminders" aria-busy={history.loading}>
      <h3>{t('opReminderHistoryOf', { plate })}</h3>
      {history.error && <Notice message={history.error} onRetry={() => void history.reload()} />}
      {!d ? (
        !history.error && <p className="muted">{t('loading')}</p>
      ) : d.messages.length === 0 ? (
        <p className="muted">{t('opReminderHistoryNone')}</p>
      ) : (
        <ReminderMessages messages={d.messages} showPlate={false} />
      )}
    </div>
  );
}
