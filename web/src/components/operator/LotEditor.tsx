// Create or edit a lot: kind (new lots only), the fields, and its place drawn on the map — a click
// places a garage; clicks draw a street segment's polyline, with undo and clear.
import { useState } from 'react';
import { createLot, updateLot } from '../../api.ts';
import { addPoint, emptyLotForm, formOf, lotFormReady, lotInputOf, lotPatchOf, type LotForm } from '../../estate.ts';
import { useMapConfig } from '../../hooks/useMapConfig.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { LotDrawMap } from '../../map/LotDrawMap.tsx';
import type { OperatorLot } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import { LotFields } from './LotFields.tsx';

interface Props {
  token: string;
  onExpired: () => void;
  lot: OperatorLot | null;
  onSaved: (lot: OperatorLot) => void;
}

function PlaceControls({ form, onChange }: { form: LotForm; onChange: (f: LotForm) => void }) {
  const { t } = useI18n();
  if (form.kind === 'garage') {
    return <p className="muted" data-testid="lot-place">{form.point ? t('esPlaced', { lat: form.point.lat.toFixed(5), lng: form.point.lng.toFixed(5) }) : t('esMapHintGarage')}</p>;
  }
  return (
    <div className="estate-row">
      <span className="muted" data-testid="lot-place">{form.path.length ? t('esPoints', { n: form.path.length }) : t('esMapHintStreet')}</span>
      <button type="button" className="btn btn--small" disabled={!form.path.length} onClick={() => onChange({ ...form, path: form.path.slice(0, -1) })} data-testid="lot-undo">{t('esUndoPoint')}</button>
      <button type="button" className="btn btn--small" disabled={!form.path.length} onClick={() => onChange({ ...form, path: [] })} data-testid="lot-clear">{t('esClearPoints')}</button>
    </div>
  );
}

export function LotEditor({ token, onExpired, lot, onSaved }: Props) {
  const { t } = useI18n();
  const { config } = useMapConfig();
  const [form, setForm] = useState<LotForm>(() => (lot ? formOf(lot) : emptyLotForm()));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const save = async () => {
    setBusy(true);
    try {
      const saved = lot ? await updateLot(token, lot.id, lotPatchOf(form)) : await createLot(token, lotInputOf(form));
      setMessage({ ok: true, text: t('esSaved') });
      onSaved(saved);
    } catch (err) {
      const text = operatorFailure(err, onExpired);
      setMessage(text === null ? null : { ok: false, text });
    }
    setBusy(false);
  };
  return (
    <section className="card" data-testid="lot-editor">
      <h2>{lot ? t('esLotEditor', { id: lot.id }) : t('esNewLot')}</h2>
      {!lot && (
        <div className="segmented" role="group" aria-label={t('esColKind')}>
          {(['garage', 'street'] as const).map((k) => (
            <button key={k} type="button" className={`segmented__item${form.kind === k ? ' is-active' : ''}`} aria-pressed={form.kind === k}
              onClick={() => setForm({ ...form, kind: k, point: null, path: [] })} data-testid={`lot-kind-${k}`}>
              {t(k === 'garage' ? 'esGarage' : 'esStreet')}
            </button>
          ))}
        </div>
      )}
      <LotFields form={form} onChange={setForm} />
      <PlaceControls form={form} onChange={setForm} />
      {config && <LotDrawMap config={config} point={form.point} path={form.path} onClick={(at) => setForm((f) => addPoint(f, at))} label={t('esMapLabel')} />}
      <div className="estate-row">
        <button type="button" className="btn btn--primary" disabled={busy || !lotFormReady(form)} onClick={() => void save()} data-testid="lot-save">{t('esSave')}</button>
        {message && (message.ok ? <span className="pay-msg pay-msg--ok" role="status" data-testid="lot-saved">{message.text}</span> : <Notice message={message.text} />)}
      </div>
    </section>
  );
}
