// One labelled form control: the label, the control, and an optional hint under it. The field owns
// the wiring every form had been copying — the label's htmlFor, and the hint's id in the control's
// aria-describedby, so a screen reader reads the hint with the control — and hands the control
// those props; the caller renders the control (an input, a select) with everything else it needs.
import { useId, type ReactNode } from 'react';

/** Spread onto the control: what the label and the hint point at. */
export interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
}

interface Props {
  label: string;
  /** The control's id when the page has a fixed one; generated otherwise. */
  id?: string;
  hint?: ReactNode;
  /** The hint says why the value is not acceptable yet: warning colour, and the control is marked invalid. */
  invalid?: boolean;
  hintTestId?: string;
  /** As wide as its control (a select, a short number) rather than sharing the row's width. */
  narrow?: boolean;
  children: (control: FieldControlProps) => ReactNode;
}

export function Field({ label, id, hint, invalid, hintTestId, narrow = false, children }: Props) {
  const generatedId = useId();
  const controlId = id ?? generatedId;
  const hintId = hint === undefined ? undefined : `${controlId}-hint`;
  return (
    <div className={narrow ? 'field field--narrow' : 'field'}>
      <label htmlFor={controlId}>{label}</label>
      {children({ id: controlId, 'aria-describedby': hintId, 'aria-invalid': invalid })}
      {hint !== undefined && (
        <small id={hintId} className={`field__hint${invalid ? ' is-bad' : ''}`} data-testid={hintTestId}>
          {hint}
        </small>
      )}
    </div>
  );
}
