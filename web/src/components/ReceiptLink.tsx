// The receipt is an HTML attachment; its link carries an access key, so it works without a login.
import { useI18n } from '../i18n.ts';

export function ReceiptLink({ url, number }: { url: string; number: string }) {
  const { t } = useI18n();
  return (
    <a className="btn btn--small" href={url} download={`receipt-${number}.html`} data-testid="receipt-link" data-receipt={number}>
      {t('receipt')}
    </a>
  );
}
