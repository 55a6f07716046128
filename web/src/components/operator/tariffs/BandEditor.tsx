// One band of the composer: its hours, per-visit or unit pricing (first unit, unit, progressive
// tiers) and its cap.
import { useI18n } from '../../../i18n.ts';
import type { TariffBand } from '../../../types.ts';
import { NumberInput, TextInput, YuanInput } from './inputs.tsx';

type Units = Extract<TariffBand['pricing'], { kind: 'units' }>;
interface Props { band: TariffBand; index: number; onChange: (b: TariffBand) => void; onRemove?: () => void }

function UnitPricing({ p, onChange, index }: { p: Units; onChange: (p: Units) => void; index: number }) {
  const { t } = useI18n();
  const tiers = p.tiers ?? [];
  const setTier = (i: number, tier: NonNullable<Units['tiers']>[number]) => onChange({ ...p, tiers: tiers.map((x, j) => (j === i ? tier : x)) });
  return (
    <>
      <label className="check">
        <input type="checkbox" checked={!!p.firstUnit} onChange={(e) => onChange({ ...p, firstUnit: e.target.checked ? { minutes: 60, fen: p.unit.fen } : undefined })} />
        {t('tfUseFirstUnit')}
      </label>
      {p.firstUnit && (
        <div className="form-row">
          <NumberInput label={`${t('tfFirstUnit')} (${t('tfMinutes')})`} value={p.firstUnit.minutes} min={1} onChange={(m) => onChange({ ...p, firstUnit: { ...p.firstUnit!, minutes: m ?? 0 } })} />
          <YuanInput label={`${t('tfFirstUnit')} (${t('tfYuan')})`} fen={p.firstUnit.fen} onChange={(f) => onChange({ ...p, firstUnit: { ...p.firstUnit!, fen: f ?? 0 } })} />
        </div>
      )}
      <div className="form-row">
        <NumberInput label={`${t('tfUnit')} (${t('tfMinutes')})`} value={p.unit.minutes} min={1} testId={`band-${index}-unit-minutes`} onChange={(m) => onChange({ ...p, unit: { ...p.unit, minutes: m ?? 0 } })} />
        <YuanInput label={`${t('tfUnit')} (${t('tfYuan')})`} fen={p.unit.fen} testId={`band-${index}-unit-yuan`} onChange={(f) => onChange({ ...p, unit: { ...p.unit, fen: f ?? 0 } })} />
      </div>
      {tiers.map((tier, i) => (
        <div className="form-row form-row--tier" key={i} data-testid={`band-${index}-tier-${i}`}>
          <NumberInput label={t('tfAfterMinutes')} value={tier.afterMinutes} min={1} testId={`band-${index}-tier-${i}-after`} onChange={(m) => setTier(i, { ...tier, afterMinutes: m ?? 0 })} />
          <NumberInput label={`${t('tfUnit')} (${t('tfMinutes')})`} value={tier.unit.minutes} min={1} testId={`band-${index}-tier-${i}-minutes`} onChange={(m) => setTier(i, { ...tier, unit: { ...tier.unit, minutes: m ?? 0 } })} />
          <YuanInput label={`${t('tfUnit')} (${t('tfYuan')})`} fen={tier.unit.fen} testId={`band-${index}-tier-${i}-yuan`} onChange={(f) => setTier(i, { ...tier, unit: { ...tier.unit, fen: f ?? 0 } })} />
          <button type="button" className="btn btn--small btn--ghost" onClick={() => onChange({ ...p, tiers: tiers.filter((_, j) => j !== i) })}>{t('tfRemove')}</button>
        </div>
      ))}
      <button type="button" className="btn btn--small" data-testid={`band-${index}-add-tier`}
        onClick={() => onChange({ ...p, tiers: [...tiers, { afterMinutes: (tiers.at(-1)?.afterMinutes ?? p.firstUnit?.minutes ?? 0) + 60, unit: { ...p.unit } }] })}>
        {t('tfAddTier')}
      </button>
    </>
  );
}

export function BandEditor({ band, index, onChange, onRemove }: Props) {
  const { t } = useI18n();
  const p = band.pricing;
  return (
    <fieldset className="band" data-testid={`band-${index}`}>
      <legend>{band.nameZh ?? band.name}</legend>
      <div className="form-row">
        <TextInput label={t('tfName')} value={band.name} onChange={(name) => onChange({ ...band, name })} />
        <TextInput label={t('tfNameZh')} value={band.nameZh ?? ''} onChange={(nameZh) => onChange({ ...band, nameZh: nameZh || undefined })} />
      </div>
      <div className="form-row">
        <TextInput label={t('tfBandFrom')} value={band.from} testId={`band-${index}-from`} onChange={(from) => onChange({ ...band, from })} placeholder="07:00" />
        <TextInput label={t('tfBandTo')} value={band.to} testId={`band-${index}-to`} onChange={(to) => onChange({ ...band, to })} placeholder="21:00" />
        <label className="check">
          <input type="checkbox" checked={p.kind === 'per-visit'} data-testid={`band-${index}-per-visit`}
            onChange={(e) => onChange({ ...band, pricing: e.target.checked ? { kind: 'per-visit', fen: 200 } : { kind: 'units', unit: { minutes: 60, fen: 200 } } })} />
          {t('tfPerVisit')}
        </label>
      </div>
      {p.kind === 'per-visit'
        ? <YuanInput label={t('tfPerVisitPrice')} fen={p.fen} onChange={(fen) => onChange({ ...band, pricing: { kind: 'per-visit', fen: fen ?? 0 } })} />
        : <UnitPricing p={p} index={index} onChange={(pricing) => onChange({ ...band, pricing })} />}
      <div className="form-row">
        <YuanInput label={t('tfBandCap')} fen={band.capFen} optional onChange={(capFen) => onChange({ ...band, capFen })} />
        {onRemove && <button type="button" className="btn btn--small btn--ghost" onClick={onRemove}>{t('tfRemove')}</button>}
      </div>
    </fieldset>
  );
}
