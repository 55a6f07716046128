// The console's tariffs: the city's approvals (city role only), then a lot's versions and the
// composer. The lot is chosen from the lots the console knows; another operator's lot answers 404.
import { useState } from 'react';
import { lotName, useI18n } from '../../i18n.ts';
import type { SectionProps } from './console.ts';
import { ApprovalsCard } from './tariffs/ApprovalsCard.tsx';
import { LotTariffs } from './tariffs/LotTariffs.tsx';

export function LotSelect({ lots, value, onChange, allLabel }: { lots: SectionProps['lots']; value: string; onChange: (id: string) => void; allLabel?: string }) {
  const { t, lang } = useI18n();
  return (
    <label className="field">
      <span>{t('opLot')}</span>
      <select className="input" value={value} onChange={(e) => onChange(e.target.value)} data-testid="op-lot-select">
        <option value="">{allLabel ?? t('opPickLot')}</option>
        {lots.map((l) => <option key={l.id} value={l.id}>{lotName(l, lang)} ({l.id})</option>)}
      </select>
    </label>
  );
}

export function TariffsTab({ token, onExpired, lots }: SectionProps) {
  const [lotId, setLotId] = useState('');
  return (
    <div className="op-section">
      <ApprovalsCard token={token} onExpired={onExpired} />
      <LotSelect lots={lots} value={lotId} onChange={setLotId} />
      {lotId && <LotTariffs key={lotId} token={token} lotId={lotId} onExpired={onExpired} />}
    </div>
  );
}
