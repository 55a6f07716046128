// The lot's fees on its page of the map (transparent fees): the tariff in force, the next approved
// one when it is scheduled, the rules in words and typical stays explained. Public: no sign-in.
import { useEffect, useState } from 'react';
import { ApiError, fetchLotTariff, isAbort } from '../api.ts';
import { formatClock } from '../format.ts';
import { useI18n } from '../i18n.ts';
import type { LotTariff, PublicTariffVersion } from '../types.ts';
import { StayExamples, TariffRules } from './StayExamples.tsx';

function Version({ v, head, testId }: { v: PublicTariffVersion; head: 'tariffSince' | 'tariffNext'; testId: string }) {
  const { lang, t } = useI18n();
  return (
    <div className="lot-tariff__version" data-testid={testId} data-version={v.version}>
      <p className="lot-tariff__head">
        <strong>{lang === 'zh' ? (v.tariff.nameZh ?? v.tariff.name) : v.tariff.name}</strong>{' '}
        <span className="muted">{t(head, { date: formatClock(v.validFrom, lang), v: v.version })}</span>
      </p>
      <TariffRules lines={v.description[lang]} testId={`${testId}-rules`} />
      <p className="muted">{t('tariffExamples')}</p>
      <StayExamples stays={v.examples.slice(0, 6)} testId={`${testId}-examples`} />
    </div>
  );
}

export function LotTariffCard({ lotId }: { lotId: string }) {
  const { t } = useI18n();
  const [data, setData] = useState<LotTariff | null | 'none'>(null);
  useEffect(() => {
    const ac = new AbortController();
    setData(null);
    fetchLotTariff(lotId, ac.signal).then(setData).catch((err: unknown) => {
      if (!isAbort(err)) setData(err instanceof ApiError && err.status === 404 ? 'none' : null);
    });
    return () => ac.abort();
  }, [lotId]);

  if (data === null) return null;
  return (
    <section className="lot-tariff" data-testid="lot-tariff">
      <h3>{t('tariffTitle')}</h3>
      {data === 'none' ? <p className="muted">{t('tariffNone')}</p> : (
        <>
          <p className="muted" data-testid="lot-tariff-approval">{t(data.approvedBy === 'city' ? 'tariffByCity' : 'tariffByOperator')}</p>
          <Version v={data.current} head="tariffSince" testId="lot-tariff-current" />
          {data.next && <Version v={data.next} head="tariffNext" testId="lot-tariff-next" />}
        </>
      )}
    </section>
  );
}
