// One unresolved exception: what happened, where and when, the plate and session it concerns, and
// the resolutions that can do something for it (review.ts exceptionActions).
import { formatLocalTime } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import type { ResolveAction, SessionException } from '../../types.ts';
import { EXCEPTION_KIND } from './labels.ts';
import { ResolveForm } from './ResolveForm.tsx';

interface Props {
  exception: SessionException;
  lotName: string;
  actions: ResolveAction[];
  token: string;
  onExpired: () => void;
  onResolved: (id: number) => void;
}

export function ExceptionItem({ exception: ex, lotName, actions, token, onExpired, onResolved }: Props) {
  const { t } = useI18n();
  const kind = EXCEPTION_KIND[ex.kind];
  return (
    <li className="row exception" data-testid="exception-row" data-exception-id={ex.id} data-kind={ex.kind}>
      <div className="row__main">
        <span className="exception__head">
          <span className="chip chip--outstanding">{kind ? t(kind) : ex.kind}</span>
          <strong>{lotName}</strong>
          {ex.plate && <span className="plate-chip plate-chip--small">{ex.plate}</span>}
          <span className="muted">{ex.sessionId !== null ? t('opSessionRef', { id: ex.sessionId }) : t('opNoSession')}</span>
        </span>
        <span className="exception__detail" data-testid="exception-detail">{ex.detail}</span>
        <span className="muted">
          #{ex.id} · {t('opColTime')} {formatLocalTime(ex.eventTime)}
          {ex.deviceId && <> · {t('opDevice', { id: ex.deviceId })}</>}
        </span>
      </div>
      <ResolveForm exceptionId={ex.id} actions={actions} token={token} onExpired={onExpired} onResolved={onResolved} />
    </li>
  );
}
