// One unresolved exception: what happened, where and when, the plate and session it concerns, and
// the resolutions that can do something for it (review.ts exceptionActions).
import { formatLocalTime } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import { exceptionDetailText } from '../../server-texts.ts';
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
  const { t, lang } = useI18n();
  const kind = EXCEPTION_KIND[ex.kind];
  // From its code in the page's language; an exception written before codes keeps its English sentence.
  const detail = exceptionDetailText(ex, lang);
  return (
    <li className="row exception" data-testid="exception-row" data-exception-id={ex.id} data-kind={ex.kind}>
      <div className="row__main">
        <span className="exception__head">
          <span className="chip chip--outstanding">{kind ? t(kind) : ex.kind}</span>
          <strong>{lotName}</strong>
          {ex.plate && <span className="plate-chip plate-chip--small">{ex.plate}</span>}
          <span className="muted">{ex.sessionId !== null ? t('opSessionRef', { id: ex.sessionId }) : t('opNoSession')}</span>
        </span>
        {detail !== null
          ? <span className="exception__detail" data-testid="exception-detail" data-code={ex.detailCoded?.code}>{detail}</span>
          : <span className="exception__detail" data-testid="exception-detail" lang="en">{ex.detail}</span>}
        <span className="muted">
          #{ex.id} · {t('opColTime')} {formatLocalTime(ex.eventTime, ex.timeZone)}
          {ex.deviceId && <> · {t('opDevice', { id: ex.deviceId })}</>}
        </span>
      </div>
      <ResolveForm exceptionId={ex.id} actions={actions} token={token} onExpired={onExpired} onResolved={onResolved} />
    </li>
  );
}
