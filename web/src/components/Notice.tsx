import { useI18n } from '../i18n.ts';

/** An error line with an optional retry. */
export function Notice({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="notice" role="alert">
      <span>{message}</span>
      {onRetry && (
        <button type="button" className="btn btn--small" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}
