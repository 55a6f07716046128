// My plates: claim, remove, and contactless ("leave and go") payment per plate, which needs a
// payment method on the account (the API refuses it otherwise). A plate on another account becomes
// a claim in the operators' review: the driver is told so and sees it under "Plate claims".
import { useState, type FormEvent } from 'react';
import { addPlate, errorMessage, removePlate, setContactless } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { plateHint } from '../plates.ts';
import type { DriverPlate, MyClaim } from '../types.ts';
import { ClaimList } from './ClaimList.tsx';
import { Notice } from './Notice.tsx';
import { PlateInput } from './PlateInput.tsx';
import { PlateRow } from './PlateRow.tsx';

interface Props {
  plates: DriverPlate[];
  claims: MyClaim[];
  hasPaymentMethod: boolean;
  /** Re-read the account; resolves when the new plates are in. */
  onChanged: () => Promise<unknown>;
}

export function PlatesCard({ plates, claims, hasPaymentMethod, onChanged }: Props) {
  const { t } = useI18n();
  const [input, setInput] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The switch shows the driver's choice at once; the account's copy replaces it once re-read.
  const [wanted, setWanted] = useState<ReadonlyMap<string, boolean>>(() => new Map());

  const act = async (key: string, fn: () => Promise<unknown>) => {
    setBusy(key);
    setError(null);
    setNotice(null);
    try {
      await fn();
      await onChanged();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const toggleContactless = (plate: string, enabled: boolean) => {
    setWanted((m) => new Map(m).set(plate, enabled));
    void act(`cl:${plate}`, () => setContactless(plate, enabled)).finally(() =>
      setWanted((m) => {
        const next = new Map(m);
        next.delete(plate);
        return next;
      }),
    );
  };

  const hint = plateHint(input);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (hint.state !== 'ok') return;
    const plate = hint.plate;
    const added = await act('add', async () => {
      const r = await addPlate(plate);
      if ('claim' in r) setNotice(t('claimPendingNotice', { plate }));
    });
    if (added) setInput('');
  };

  return (
    <section className="card" data-testid="plates-card">
      <h2>{t('myPlates')}</h2>
      {plates.length === 0 ? (
        <p className="muted">{t('noPlates')}</p>
      ) : (
        <ul className="rows">
          {plates.map((p) => (
            <PlateRow
              key={p.plate}
              plate={p}
              contactless={wanted.get(p.plate) ?? p.contactless}
              hasPaymentMethod={hasPaymentMethod}
              busy={busy !== null}
              onContactless={(enabled) => toggleContactless(p.plate, enabled)}
              onRemove={() => void act(`rm:${p.plate}`, () => removePlate(p.plate))}
            />
          ))}
        </ul>
      )}
      <p className="note">{hasPaymentMethod ? t('contactlessHelp') : t('contactlessNeedsMethod')}</p>
      <form className="inline-form" onSubmit={submit}>
        <PlateInput value={input} onChange={setInput} testId="plate-input" label={t('addPlate')} />
        <button type="submit" className="btn btn--primary" disabled={busy !== null || hint.state !== 'ok'} data-testid="plate-add">
          {t('add')}
        </button>
      </form>
      {notice && (
        <p className="note" role="status" data-testid="claim-notice">
          {notice}
        </p>
      )}
      {error && <Notice message={error} />}
      <ClaimList claims={claims} />
    </section>
  );
}
