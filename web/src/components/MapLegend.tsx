import { LEVEL_COLOR, type Level } from '../availability.ts';
import { useI18n, type StringKey } from '../i18n.ts';

const ITEMS: [Level, StringKey][] = [
  ['high', 'legendHigh'],
  ['mid', 'legendMid'],
  ['low', 'legendLow'],
  ['none', 'legendNone'],
];

export function MapLegend() {
  const { t } = useI18n();
  return (
    <ul className="legend" aria-label="legend">
      {ITEMS.map(([level, key]) => (
        <li key={level}>
          <span className="legend__swatch" style={{ background: LEVEL_COLOR[level] }} />
          {t(key)}
        </li>
      ))}
    </ul>
  );
}
