// The composer's last parts: new-energy rules, the EV-bay misuse fee, and free periods (weekdays,
// dates, a daily window).
import { useI18n } from '../../../i18n.ts';
import type { TariffDraft } from '../../../types.ts';
import { NumberInput, TextInput, YuanInput } from './inputs.tsx';

type FreePeriod = NonNullable<TariffDraft['freePeriods']>[number];
const list = (s: string) => s.split(/[,，\s]+/).filter(Boolean);

function FreePeriodEditor({ f, onChange, onRemove }: { f: FreePeriod; onChange: (f: FreePeriod) => void; onRemove: () => void }) {
  const { t } = useI18n();
  const base = { name: f.name, nameZh: f.nameZh };
  return (
    <div className="form-row form-row--free">
      <TextInput label={t('tfName')} value={f.name} onChange={(name) => onChange({ ...f, name })} />
      <label className="field field--narrow">
        <span>{t('tfPricing')}</span>
        <select className="input" value={f.kind} onChange={(e) => {
          const k = e.target.value;
          onChange(k === 'weekdays' ? { ...base, kind: 'weekdays', days: [0, 6] } : k === 'dates' ? { ...base, kind: 'dates', dates: ['2027-01-01'] } : { ...base, kind: 'daily', from: '12:00', to: '14:00' });
        }}>
          <option value="weekdays">{t('tfWeekdays')}</option>
          <option value="dates">{t('tfDates')}</option>
          <option value="daily">{t('tfDaily')}</option>
        </select>
      </label>
      {f.kind === 'weekdays' && <TextInput label={t('tfDays')} value={f.days.join(',')} onChange={(s) => onChange({ ...f, days: list(s).map(Number) })} />}
      {f.kind === 'dates' && <TextInput label={t('tfDatesList')} value={f.dates.join(',')} onChange={(s) => onChange({ ...f, dates: list(s) })} />}
      {f.kind === 'daily' && (
        <>
          <TextInput label={t('tfBandFrom')} value={f.from} onChange={(from) => onChange({ ...f, from })} />
          <TextInput label={t('tfBandTo')} value={f.to} onChange={(to) => onChange({ ...f, to })} />
        </>
      )}
      <button type="button" className="btn btn--small btn--ghost" onClick={onRemove}>{t('tfRemove')}</button>
    </div>
  );
}

export function ExtrasEditor({ draft, onChange }: { draft: TariffDraft; onChange: (d: TariffDraft) => void }) {
  const { t } = useI18n();
  const ne = draft.newEnergy ?? {};
  const free = draft.freePeriods ?? [];
  const setNe = (n: typeof ne) => onChange({ ...draft, newEnergy: n.freeMinutes || n.discountPercent ? n : undefined });
  // No fee (empty or ¥0) leaves the rule out: the tariff then charges nothing for misuse.
  const ev = draft.evBayMisuse;
  const setEv = (e: { graceMinutes?: number; minutes?: number; fen?: number }) => {
    const next = { graceMinutes: e.graceMinutes ?? ev?.graceMinutes ?? 15, unit: { minutes: e.minutes ?? ev?.unit.minutes ?? 60, fen: e.fen === undefined ? ev?.unit.fen ?? 0 : e.fen } };
    onChange({ ...draft, evBayMisuse: next.unit.fen > 0 ? next : undefined });
  };
  return (
    <>
      <fieldset className="band">
        <legend>{t('tfNewEnergy')}</legend>
        <div className="form-row">
          <NumberInput label={t('tfNeFree')} value={ne.freeMinutes} onChange={(freeMinutes) => setNe({ ...ne, freeMinutes })} />
          <NumberInput label={t('tfNeDiscount')} value={ne.discountPercent} max={100} onChange={(discountPercent) => setNe({ ...ne, discountPercent })} />
        </div>
      </fieldset>
      <fieldset className="band" data-testid="tariff-ev-misuse">
        <legend>{t('tfEvMisuse')}</legend>
        <div className="form-row">
          <YuanInput label={t('tfEvFee')} fen={ev?.unit.fen} optional onChange={(fen) => setEv({ fen: fen ?? 0 })} testId="ev-fee" />
          <NumberInput label={t('tfEvPer')} value={ev?.unit.minutes ?? 60} min={1} onChange={(minutes) => setEv({ minutes: minutes || 60 })} />
          <NumberInput label={t('tfEvGrace')} value={ev?.graceMinutes ?? 15} onChange={(graceMinutes) => setEv({ graceMinutes: graceMinutes ?? 0 })} />
        </div>
      </fieldset>
      <fieldset className="band">
        <legend>{t('tfFreePeriods')}</legend>
        {free.map((f, i) => (
          <FreePeriodEditor key={i} f={f}
            onChange={(n) => onChange({ ...draft, freePeriods: free.map((x, j) => (j === i ? n : x)) })}
            onRemove={() => onChange({ ...draft, freePeriods: free.filter((_, j) => j !== i) })} />
        ))}
        <button type="button" className="btn btn--small" onClick={() => onChange({ ...draft, freePeriods: [...free, { kind: 'weekdays', name: 'Weekend', nameZh: '周末', days: [0, 6] }] })}>
          {t('tfAddFree')}
        </button>
      </fieldset>
    </>
  );
}
