// The lot editor's text and number fields (names zh/en, district, address, time zone, counts).
import { useI18n, type StringKey } from '../../i18n.ts';
import type { LotForm } from '../../estate.ts';
import { Field } from '../Field.tsx';

type TextKey = 'name' | 'nameEn' | 'district' | 'address' | 'timeZone' | 'capacity' | 'accessibleBays' | 'evBays';
const FIELDS: Array<{ key: TextKey; label: StringKey; number?: boolean }> = [
  { key: 'name', label: 'esNameZh' }, { key: 'nameEn', label: 'esNameEn' }, { key: 'district', label: 'esDistrict' },
  { key: 'address', label: 'esAddress' }, { key: 'timeZone', label: 'esTimeZone' }, { key: 'capacity', label: 'esCapacity', number: true },
  { key: 'accessibleBays', label: 'esAccessibleBays', number: true }, { key: 'evBays', label: 'esEvBays', number: true },
];

export function LotFields({ form, onChange }: { form: LotForm; onChange: (f: LotForm) => void }) {
  const { t } = useI18n();
  return (
    <div className="estate-fields">
      {FIELDS.map((f) => (
        <Field key={f.key} label={t(f.label)} narrow={f.number}>
          {(control) => (
            <input {...control} className="input" type={f.number ? 'number' : 'text'} min={f.number ? 0 : undefined} value={form[f.key]}
              onChange={(e) => onChange({ ...form, [f.key]: e.target.value })} data-testid={`lot-${f.key}`} />
          )}
        </Field>
      ))}
      <label className="estate-check">
        <input type="checkbox" checked={form.published} onChange={(e) => onChange({ ...form, published: e.target.checked })} data-testid="lot-published" />
        {t('esPublishNow')}
      </label>
    </div>
  );
}
