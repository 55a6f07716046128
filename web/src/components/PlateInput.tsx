// A plate field with a live hint: what will be sent (normalised) or why it is not a plate yet.
import { useI18n, type StringKey } from '../i18n.ts';
import { plateHint, type PlateHint } from '../plates.ts';
import { Field } from './Field.tsx';

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
  const hint = plateHint(value);
  let text: string;
  if (hint.state === 'empty') text = t('plateHintExample');
  else if (hint.state === 'ok') text = t(hint.kind === 'new-energy' ? 'plateHintOkEv' : 'plateHintOk', { plate: hint.plate });
  else text = t(REASON[hint.reason]);
  return (
    <Field label={label} hint={text} invalid={hint.state === 'invalid'} hintTestId={`${testId}-hint`}>
      {(control) => (
        <input
          {...control}
          className="input input--plate"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder="豫A12345"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={20}
          data-testid={testId}
        />
      )}
    </Field>
  );
}
