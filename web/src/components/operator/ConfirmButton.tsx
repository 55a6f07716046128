// A button that asks in place before it acts (no browser dialog: it reads in the page's language
// and screen readers announce it), then runs `onConfirm` and shows its error, if any.
import { useState } from 'react';
import { errorMessage } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { Notice } from '../Notice.tsx';

interface Props {
  label: string;
  question: string;
  onConfirm: () => Promise<void>;
  testId: string;
  danger?: boolean;
  disabled?: boolean;
}

export function ConfirmButton({ label, question, onConfirm, testId, danger = false, disabled = false }: Props) {
  const { t } = useI18n();
  const [step, setStep] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setStep('busy');
    try {
      await onConfirm();
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
    setStep('idle');
  };
  if (step !== 'idle') {
    return (
      <div className="confirm" role="alertdialog" aria-label={question} data-testid={`${testId}-confirm`}>
        <p>{question}</p>
        <div className="confirm__actions">
          <button type="button" className={`btn btn--small${danger ? ' btn--danger' : ' btn--primary'}`} disabled={step === 'busy'} onClick={() => void run()} data-testid={`${testId}-yes`}>
            {t('esConfirm')}
          </button>
          <button type="button" className="btn btn--small" disabled={step === 'busy'} onClick={() => setStep('idle')}>{t('cancel')}</button>
        </div>
      </div>
    );
  }
  return (
    <>
      <button type="button" className="btn btn--small" disabled={disabled} onClick={() => setStep('confirm')} data-testid={testId}>{label}</button>
      {error && <Notice message={error} />}
    </>
  );
}
