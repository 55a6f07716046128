// The operator's lots, searchable: id, name, kind, status (published, unpublished, retired), bays, devices.
import { lotName, useI18n } from '../../i18n.ts';
import type { OperatorLot } from '../../types.ts';

export function lotStatus(l: OperatorLot): 'esRetired' | 'esPublished' | 'esDraft' {
  return l.retiredAt ? 'esRetired' : l.published ? 'esPublished' : 'esDraft';
}

export function LotList({ lots, onOpen }: { lots: readonly OperatorLot[]; onOpen: (lot: OperatorLot) => void }) {
  const { t, lang } = useI18n();
  if (!lots.length) return <p className="muted">{t('esNoLots')}</p>;
  return (
    <div className="table-wrap">
      <table className="data-table data-table--compact" data-testid="estate-lots">
        <thead>
          <tr>
            <th scope="col">{t('esColName')}</th>
            <th scope="col">{t('esColKind')}</th>
            <th scope="col">{t('esColStatus')}</th>
            <th scope="col" className="num">{t('esColBays')}</th>
            <th scope="col" className="num">{t('esColDevices')}</th>
          </tr>
        </thead>
        <tbody>
          {lots.map((l) => (
            <tr key={l.id} data-testid={`estate-lot-${l.id}`}>
              <td>
                <button type="button" className="plate-button" onClick={() => onOpen(l)}>{lotName(l, lang)}</button>
                <div className="small muted">{l.id}</div>
              </td>
              <td>{t(l.kind === 'garage' ? 'esGarage' : 'esStreet')}</td>
              <td>{t(lotStatus(l))}</td>
              <td className="num">{l.bays}</td>
              <td className="num">{l.devices}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
