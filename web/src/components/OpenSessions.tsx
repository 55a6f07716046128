// Stays under way: the elapsed time ticks every second here; the fee is the API's (what leaving
// now would cost, by the lot's tariff), refreshed every 15 s — the page never prices a stay itself.
import { useNow } from '../hooks/useNow.ts';
import { formatElapsed, formatLocalTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { formatFen } from '../money.ts';
import type { OpenSession } from '../types.ts';

export function OpenSessions({ sessions }: { sessions: OpenSession[] }) {
  const { t, lang } = useI18n();
  const now = useNow(1000);
  return (
    <section className="card" data-testid="open-sessions">
      <h2>{t('currentStays')}</h2>
      {sessions.length === 0 ? (
        <p className="muted">{t('noCurrentStays')}</p>
      ) : (
        <ul className="rows">
          {sessions.map((s) => (
            <li key={s.sessionId} className="row row--stay" data-testid="session-row" data-status="open" data-session-id={s.sessionId}>
              <div className="row__main">
                <strong>{lang === 'en' ? s.lotNameEn || s.lotName : s.lotName}</strong>
                <span className="muted">
                  <span className="plate-chip plate-chip--small">{s.plate}</span> {t('enteredAt', { t: formatLocalTime(s.entryTime) })}
                </span>
              </div>
              <div className="row__end stay__live">
                <span className="stay__elapsed" data-testid="elapsed">{formatElapsed(now - Date.parse(s.entryTime))}</span>
                <strong className="stay__fee" data-testid="running-fee" data-fen={s.runningFeeFen ?? ''}>
                  {s.runningFeeFen === null ? t('feeUnknown') : formatFen(s.runningFeeFen)}
                </strong>
                <small className="muted">{t('runningFeeNote')}</small>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
