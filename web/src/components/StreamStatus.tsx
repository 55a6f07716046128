import { useI18n } from '../i18n.ts';
import type { StreamState } from '../hooks/useStream.ts';

export function StreamStatus({ state }: { state: StreamState }) {
  const { t } = useI18n();
  const open = state === 'open';
  return (
    <span
      className={`stream-status is-${state}`}
      data-testid="stream-status"
      data-state={state}
      role="status"
      title={t(open ? 'streamOpenTitle' : 'streamClosedTitle')}
    >
      <span className="stream-status__dot" aria-hidden="true" />
      {t(open ? 'streamOpen' : 'streamClosed')}
    </span>
  );
}
