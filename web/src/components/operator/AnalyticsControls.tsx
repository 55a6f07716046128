// The analytics range (a radio group shown as a segmented control) and the lot filter, grouped by
// district as drivers' pages name them.
import { RANGE_PRESETS, type RangePreset } from '../../analytics.ts';
import { districtName, lotName, useI18n, type StringKey } from '../../i18n.ts';
import type { Lot } from '../../types.ts';
import { Field } from '../Field.tsx';

const PRESET_LABEL: Record<RangePreset, StringKey> = { '24h': 'opRange24h', '7d': 'opRange7d', '30d': 'opRange30d' };

interface Props {
  preset: RangePreset;
  onPreset: (p: RangePreset) => void;
  lotId: string;
  onLot: (id: string) => void;
  lots: readonly Lot[];
  loading: boolean;
  onRefresh: () => void;
}

function byDistrict(lots: readonly Lot[]): [string, Lot[]][] {
  const groups = new Map<string, Lot[]>();
  for (const l of lots) {
    const group = groups.get(l.district);
    if (group) group.push(l);
    else groups.set(l.district, [l]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function AnalyticsControls({ preset, onPreset, lotId, onLot, lots, loading, onRefresh }: Props) {
  const { t, lang } = useI18n();
  return (
    <section className="card analytics-controls">
      <fieldset className="segmented">
        <legend>{t('opRange')}</legend>
        {RANGE_PRESETS.map((p) => (
          <label key={p} className={`segmented__item${preset === p ? ' is-active' : ''}`}>
            <input type="radio" name="analytics-range" value={p} checked={preset === p} onChange={() => onPreset(p)} data-testid={`range-${p}`} />
            {t(PRESET_LABEL[p])}
          </label>
        ))}
      </fieldset>
      <Field label={t('opLotFilter')} id="analytics-lot" narrow>
        {(control) => (
          <select {...control} className="input" value={lotId} onChange={(e) => onLot(e.target.value)} data-testid="analytics-lot">
            <option value="">{t('opAllLots')}</option>
            {byDistrict(lots).map(([district, group]) => (
              <optgroup key={district} label={districtName(district, lang)}>
                {group.map((l) => (
                  <option key={l.id} value={l.id}>
                    {lotName(l, lang)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        )}
      </Field>
      <button type="button" className="btn analytics-controls__refresh" onClick={onRefresh} disabled={loading} data-testid="analytics-refresh">
        {t('opRefresh')}
      </button>
    </section>
  );
}
