// Small controlled inputs of the composer: yuan (kept as integer fen) and whole numbers.
import { useEffect, useState } from 'react';
import { Field } from '../../Field.tsx';
import { parseYuan, yuanText } from './draft.ts';

interface YuanProps { label: string; fen: number | undefined; optional?: boolean; onChange: (fen: number | undefined) => void; testId?: string }

/** Yuan as typed ("2.5"), handed up as integer fen once it parses; empty = none when optional. */
export function YuanInput({ label, fen, optional, onChange, testId }: YuanProps) {
  const [text, setText] = useState(yuanText(fen));
  useEffect(() => {
    setText((t) => (parseYuan(t) === fen || (fen === undefined && t.trim() === '') ? t : yuanText(fen)));
  }, [fen]);
  const bad = text.trim() !== '' && parseYuan(text) === null;
  return (
    <Field label={label} narrow invalid={bad}>
      {(c) => (
        <input
          {...c} className="input input--num" inputMode="decimal" value={text} data-testid={testId}
          onChange={(e) => {
            setText(e.target.value);
            const v = parseYuan(e.target.value);
            if (v !== null) onChange(v);
            else if (optional && e.target.value.trim() === '') onChange(undefined);
          }}
        />
      )}
    </Field>
  );
}

interface NumProps { label: string; value: number | undefined; min?: number; max?: number; onChange: (n: number | undefined) => void; testId?: string }

export function NumberInput({ label, value, min = 0, max, onChange, testId }: NumProps) {
  return (
    <Field label={label} narrow>
      {(c) => (
        <input
          {...c} className="input input--num" type="number" min={min} max={max} value={value ?? ''} data-testid={testId}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Math.trunc(Number(e.target.value)))}
        />
      )}
    </Field>
  );
}

export function TextInput({ label, value, onChange, testId, placeholder }: { label: string; value: string; onChange: (s: string) => void; testId?: string; placeholder?: string }) {
  return (
    <Field label={label}>
      {(c) => <input {...c} className="input" value={value} placeholder={placeholder} data-testid={testId} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}
