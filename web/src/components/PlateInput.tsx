// A plate field with a live hint: what will be sent (normalised) or why it is not a plate yet.
import { useId } from 'react';
import { useI18n, type StringKey } from '../i18n.ts';
import { plateHint, type PlateHint } from '../plates.ts';

const REASON: Record<Extract<PlateHint, { state: 'invalid' }>['reason'], StringKey> = {
  province: 'plateHintProvince',
  short: 'plateHintShort',
  long: 'plateHintLong',
  chars: 'plateHintChars',
};

interface Props {
  value: string;
  onChange: (value: string) => void;
  testId: string;
  label: string;
}

export function PlateInput({ value, onChange, testId, label }: Props) {
  const { t } = useI18n();
  const id = useId();
  const hint = plateHint(value);
  let text: string;
  if (hint.state === 'empty') text = t('plateHintExample');
  else if (hint.state === 'ok') text = t(hint.kind === 'new-energy' ? 'plateHintOkEv' : 'plateHintOk', { plate: hint.plate });
  else text = t(REASON[hint.reason]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input input--plate"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder="豫A12345"
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        maxLength={20}
        aria-describedby={`${id}-hint`}
        aria-invalid={hint.state === 'invalid'}
        data-testid={testId}
      />
      <small id={`${id}-hint`} className={`field__hint${hint.state === 'invalid' ? ' is-bad' : ''}`} data-testid={`${testId}-hint`}>
        {text}
      </small>
    </div>
  );
}
