// The tariff composer: every field of the engine's model (grace, bands with first unit, unit and
// progressive tiers or a per-visit price, caps, new-energy rules, free periods) beside a live
// preview of what typical stays cost. Saves a draft; scheduling is done from the version list.
import { useState } from 'react';
import { saveTariffDraft } from '../../../api.ts';
import { operatorFailure } from '../../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../../i18n.ts';
import type { TariffDraft } from '../../../types.ts';
import { BandEditor } from './BandEditor.tsx';
import { NIGHT_BAND } from './draft.ts';
import { ExtrasEditor } from './ExtrasEditor.tsx';
import { NumberInput, TextInput, YuanInput } from './inputs.tsx';
import { PreviewPanel } from './PreviewPanel.tsx';

interface Props { token: string; lotId: string; initial: TariffDraft; version?: number; onSaved: () => void; onCancel: () => void; onExpired: () => void }

export function TariffComposer({ token, lotId, initial, version, onSaved, onCancel, onExpired }: Props) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (patch: Partial<TariffDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = async () => {
    setSaving(true);
    try {
      await saveTariffDraft(token, lotId, draft, version);
      onSaved();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    } finally {
      setSaving(false);
    }
  };
  return (
    <section className="card composer" data-testid="tariff-composer">
      <div className="composer__grid">
        <form className="composer__form" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <div className="form-row">
            <TextInput label={t('tfName')} value={draft.name} testId="tariff-name" onChange={(name) => set({ name })} />
            <TextInput label={t('tfNameZh')} value={draft.nameZh ?? ''} onChange={(nameZh) => set({ nameZh: nameZh || undefined })} />
          </div>
          <div className="form-row">
            <TextInput label={t('tfTimeZone')} value={draft.timeZone ?? ''} onChange={(timeZone) => set({ timeZone })} />
            <NumberInput label={t('tfGrace')} value={draft.graceMinutes} testId="tariff-grace" onChange={(graceMinutes) => set({ graceMinutes })} />
            <YuanInput label={t('tfDailyCap')} fen={draft.dailyCapFen} optional testId="tariff-daily-cap" onChange={(dailyCapFen) => set({ dailyCapFen })} />
          </div>
          <label className="check">
            <input type="checkbox" checked={!!draft.graceDeducted} onChange={(e) => set({ graceDeducted: e.target.checked })} />
            {t('tfGraceDeducted')}
          </label>
          <h3>{t('tfBands')}</h3>
          {draft.bands.map((b, i) => (
            <BandEditor key={i} band={b} index={i}
              onChange={(nb) => set({ bands: draft.bands.map((x, j) => (j === i ? nb : x)) })}
              onRemove={draft.bands.length > 1 ? () => set({ bands: draft.bands.filter((_, j) => j !== i) }) : undefined} />
          ))}
          <button type="button" className="btn btn--small" onClick={() => set({ bands: [...draft.bands, { ...NIGHT_BAND, name: `Band ${draft.bands.length + 1}` }] })}>{t('tfAddBand')}</button>
          <ExtrasEditor draft={draft} onChange={setDraft} />
          {error && <p className="note" data-testid="tariff-save-error">{error}</p>}
          <div className="form-row">
            <button type="submit" className="btn btn--primary" disabled={saving} data-testid="tariff-save">{t('tfSaveDraft')}</button>
            <button type="button" className="btn" onClick={onCancel}>{t('tfCancel')}</button>
          </div>
        </form>
        <PreviewPanel token={token} lotId={lotId} draft={draft} onExpired={onExpired} />
      </div>
    </section>
  );
}
