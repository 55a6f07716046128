// One of the driver's plates: its contactless ("leave and go") switch and a remove button. The
// switch can only be turned on with a payment method on the account; it can always be turned off.
import { useI18n } from '../i18n.ts';
import type { DriverPlate } from '../types.ts';

interface Props {
  plate: DriverPlate;
  /** What the switch shows: the driver's latest choice, until the account's copy is re-read. */
  contactless: boolean;
  hasPaymentMethod: boolean;
  /** Another action on the card is under way: nothing else may start. */
  busy: boolean;
  onContactless: (enabled: boolean) => void;
  onRemove: () => void;
}

export function PlateRow({ plate: p, contactless, hasPaymentMethod, busy, onContactless, onRemove }: Props) {
  const { t } = useI18n();
  const locked = !hasPaymentMethod && !p.contactless;
  return (
    <li className="row plate-row" data-testid="plate-row" data-plate={p.plate} data-contactless={p.contactless}>
      <span className="plate-chip">{p.plate}</span>
      <label className={`switch${locked ? ' is-disabled' : ''}`}>
        <input
          type="checkbox"
          role="switch"
          checked={contactless}
          disabled={busy || locked}
          onChange={(e) => onContactless(e.target.checked)}
          data-testid="contactless-toggle"
        />
        <span className="switch__track" aria-hidden="true" />
        <span>{t('contactless')}</span>
      </label>
      <button type="button" className="btn btn--small btn--ghost row__end" disabled={busy} onClick={onRemove} data-testid="plate-remove">
        {t('remove')}
      </button>
    </li>
  );
}
