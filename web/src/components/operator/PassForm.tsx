// Issue a monthly pass or a free list: kind, name, plates, window and (monthly) the price paid.
// Plates are separated by commas (a plate may be typed with spaces: 豫A 12345). Dates are read in Asia/Shanghai, the demo city's zone, from local midnight to local midnight.
import { useState } from 'react';
import { useI18n } from '../../i18n.ts';
import { parseYuan } from './tariffs/draft.ts';
import { TextInput } from './tariffs/inputs.tsx';

const KINDS = ['monthly', 'staff', 'resident', 'emergency'] as const;
const day = (offsetDays: number) => new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

export function PassForm({ lotId, onSubmit }: { lotId: string; onSubmit: (body: Record<string, unknown>) => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<(typeof KINDS)[number]>('monthly');
  const [name, setName] = useState('');
  const [plates, setPlates] = useState('');
  const [from, setFrom] = useState(day(0));
  const [to, setTo] = useState(day(30));
  const [price, setPrice] = useState('300');
  return (
    <form className="form-grid" data-testid="pass-form" onSubmit={(e) => {
      e.preventDefault();
      onSubmit({
        kind, name, plates: plates.split(/[,，;；\n]+/).map((s) => s.trim()).filter(Boolean), validFrom: `${from}T00:00:00+08:00`, validTo: `${to}T00:00:00+08:00`,
        ...(lotId ? { lotId } : {}), ...(kind === 'monthly' ? { priceFen: parseYuan(price) ?? 0 } : {}),
      });
    }}>
      <label className="field field--narrow">
        <span>{t('psKind')}</span>
        <select className="input" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} data-testid="pass-kind">
          {KINDS.map((k) => <option key={k} value={k}>{t(`psKind_${k}`)}</option>)}
        </select>
      </label>
      <TextInput label={t('psName')} value={name} onChange={setName} testId="pass-name" />
      <TextInput label={t('psPlates')} value={plates} onChange={setPlates} testId="pass-plates" placeholder="豫A12345, 豫AD12345" />
      <label className="field field--narrow"><span>{t('psValidFrom')}</span><input className="input" type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
      <label className="field field--narrow"><span>{t('psValidTo')}</span><input className="input" type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
      {kind === 'monthly' && <TextInput label={t('psPrice')} value={price} onChange={setPrice} testId="pass-price" />}
      <button type="submit" className="btn btn--primary" data-testid="pass-issue">{t('psIssue')}</button>
    </form>
  );
}
