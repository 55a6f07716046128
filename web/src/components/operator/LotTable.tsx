// The range per lot, sortable by any column (analytics.ts sortLots; lots without a figure last).
import { useState } from 'react';
import { nextSort, sortLots, type LotSort, type LotSortKey } from '../../analytics.ts';
import { formatPercent, formatStay } from '../../format.ts';
import { lotName, useI18n, type StringKey } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import type { LotAnalytics } from '../../types.ts';

const COLUMNS: { key: LotSortKey; label: StringKey; num: boolean }[] = [
  { key: 'name', label: 'opColLot', num: false },
  { key: 'bays', label: 'opColBays', num: true },
  { key: 'sessions', label: 'opColSessions', num: true },
  { key: 'avgStayMinutes', label: 'opColAvgStay', num: true },
  { key: 'turnover', label: 'opColTurnover', num: true },
  { key: 'avgOccupancy', label: 'opColAvgOcc', num: true },
  { key: 'peakOccupancy', label: 'opColPeakOcc', num: true },
  { key: 'invoicedFen', label: 'opColInvoiced', num: true },
  { key: 'paidFen', label: 'opColPaid', num: true },
];

export function LotTable({ lots }: { lots: readonly LotAnalytics[] }) {
  const { t, lang } = useI18n();
  const [sort, setSort] = useState<LotSort>({ key: 'invoicedFen', dir: 'desc' });
  const nameOf = (l: LotAnalytics) => lotName({ name: l.name, nameEn: l.nameEn ?? '' }, lang);
  const rows = sortLots(lots, sort, nameOf, lang === 'zh' ? 'zh-CN' : 'en');

  return (
    <section className="card" data-testid="lot-table">
      <div className="card__head">
        <h2>{t('opByLotTitle')}</h2>
        <span className="muted">{t('opSortHint')}</span>
      </div>
      <div className="table-wrap">
        <table className="data-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => {
                const active = sort.key === c.key;
                return (
                  <th key={c.key} scope="col" className={c.num ? 'num' : undefined} aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                    <button type="button" className="sort-button" onClick={() => setSort((s) => nextSort(s, c.key))} data-testid={`sort-${c.key}`}>
                      {t(c.label)}
                      <span className="sort-button__arrow" aria-hidden="true">
                        {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => (
              <tr key={l.lotId} data-testid="lot-row" data-lot-id={l.lotId}>
                <th scope="row">
                  {nameOf(l)} <span className="muted">· {t(l.kind === 'garage' ? 'kind_garage' : 'kind_street')}</span>
                </th>
                <td className="num">{l.bays}</td>
                <td className="num" data-testid="lot-sessions">{l.sessions}</td>
                <td className="num nowrap">{formatStay(l.avgStayMinutes, lang)}</td>
                <td className="num">{l.turnover.toFixed(2)}</td>
                <td className="num">{formatPercent(l.avgOccupancy)}</td>
                <td className="num">{formatPercent(l.peakOccupancy)}</td>
                <td className="num nowrap" data-testid="lot-invoiced">{formatFen(l.invoicedFen)}</td>
                <td className="num nowrap">{formatFen(l.paidFen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
