// Plates with overdue bills: how many, how much, since when. The plate is the button that opens
// its bills.
import { formatLocalTime } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import type { ArrearsPlate } from '../../types.ts';

interface Props {
  plates: ArrearsPlate[];
  selected: string | null;
  onSelect: (plate: string) => void;
}

export function ArrearsPlatesTable({ plates, selected, onSelect }: Props) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t('opColPlate')}</th>
            <th scope="col" className="num">{t('opColCount')}</th>
            <th scope="col" className="num">{t('opColTotal')}</th>
            <th scope="col">{t('opColOldestDue')}</th>
          </tr>
        </thead>
        <tbody>
          {plates.map((p) => (
            <tr key={p.plate} className={selected === p.plate ? 'is-selected' : undefined} data-testid="arrears-plate" data-plate={p.plate}>
              <th scope="row">
                <button
                  type="button"
                  className="plate-button"
                  aria-pressed={selected === p.plate}
                  aria-label={t('opSelectPlate', { plate: p.plate })}
                  onClick={() => onSelect(p.plate)}
                  data-testid="arrears-plate-select"
                >
                  <span className="plate-chip plate-chip--small">{p.plate}</span>
                </button>
              </th>
              <td className="num" data-testid="arrears-plate-count">{p.count}</td>
              <td className="num">
                <strong data-testid="arrears-plate-total">{formatFen(p.totalFen)}</strong>
              </td>
              <td className="nowrap">{formatLocalTime(p.oldestDueAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
