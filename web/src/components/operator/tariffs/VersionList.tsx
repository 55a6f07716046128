// A lot's versions with their status (draft / pending approval / rejected / scheduled / in force /
// past), and what may still be done with each: edit, copy, delete, schedule from a future date.
import { useState } from 'react';
import { deleteTariffVersion, scheduleTariff } from '../../../api.ts';
import { formatClock } from '../../../format.ts';
import { operatorFailure } from '../../../hooks/useOperatorQuery.ts';
import { useI18n, type StringKey } from '../../../i18n.ts';
import type { TariffVersion } from '../../../types.ts';
import { tomorrowLocal, zonedToIso } from './draft.ts';

const CHIP: Record<TariffVersion['status'], string> = { draft: '', pending: 'chip--outstanding', rejected: 'chip--bad', scheduled: 'chip--paying', 'in-force': 'chip--ok', past: '' };
const mutable = (v: TariffVersion) => !v.shared && v.status !== 'in-force' && v.status !== 'past';

interface Props {
  token: string; lotId: string; timeZone: string; versions: readonly TariffVersion[];
  onEdit: (v: TariffVersion) => void; onCopy: (v: TariffVersion) => void; onChanged: () => void; onExpired: () => void;
}

function ScheduleForm({ token, lotId, timeZone, v, onChanged, onError }: { token: string; lotId: string; timeZone: string; v: TariffVersion; onChanged: () => void; onError: (e: unknown) => void }) {
  const { t } = useI18n();
  const [local, setLocal] = useState(() => tomorrowLocal(timeZone));
  return (
    <form className="form-row" onSubmit={(e) => {
      e.preventDefault();
      const at = zonedToIso(local, timeZone);
      if (at) scheduleTariff(token, lotId, v.version, at).then(onChanged, onError);
    }}>
      <label className="field field--narrow">
        <span>{t('tfEffectiveFrom')}</span>
        <input className="input" type="datetime-local" value={local} onChange={(e) => setLocal(e.target.value)} data-testid={`version-${v.version}-effective`} />
      </label>
      <button type="submit" className="btn btn--small btn--primary" data-testid={`version-${v.version}-schedule`}>{t('tfSchedule')}</button>
    </form>
  );
}

export function VersionList({ token, lotId, timeZone, versions, onEdit, onCopy, onChanged, onExpired }: Props) {
  const { t, lang } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const onError = (err: unknown) => setError(operatorFailure(err, onExpired));
  if (!versions.length) return <p className="muted">{t('tfNoVersions')}</p>;
  return (
    <>
      {error && <p className="note" data-testid="versions-error">{error}</p>}
      <ul className="rows" data-testid="tariff-versions">
        {versions.map((v) => (
          <li className="row row--wrap" key={`${v.tariffId}@${v.version}`} data-testid={`version-${v.version}`} data-status={v.status}>
            <div className="row__main">
              <strong>v{v.version} {lang === 'zh' ? (v.tariff.nameZh ?? v.tariff.name) : v.tariff.name}</strong>{' '}
              <span className={`chip ${CHIP[v.status]}`} data-testid="version-status">{t(`tfStatus_${v.status}` as StringKey)}</span>
              {v.shared && <span className="chip">{t('tfShared')}</span>}
              <span className="muted"> {t('tfFrom', { date: formatClock(v.validFrom, lang) })}</span>
              {v.rejection && <p className="note">{t('tfRejection', { reason: v.rejection })}</p>}
            </div>
            <div className="row__end">
              {mutable(v) && <button type="button" className="btn btn--small" onClick={() => onEdit(v)} data-testid={`version-${v.version}-edit`}>{t('tfEdit')}</button>}
              <button type="button" className="btn btn--small" onClick={() => onCopy(v)} data-testid={`version-${v.version}-copy`}>{t('tfCopy')}</button>
              {mutable(v) && <button type="button" className="btn btn--small btn--ghost" onClick={() => deleteTariffVersion(token, lotId, v.version).then(onChanged, onError)}>{t('tfDelete')}</button>}
            </div>
            {mutable(v) && v.status !== 'scheduled' && v.status !== 'pending' && <ScheduleForm token={token} lotId={lotId} timeZone={timeZone} v={v} onChanged={onChanged} onError={onError} />}
          </li>
        ))}
      </ul>
    </>
  );
}
