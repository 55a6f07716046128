// A device secret, shown the one time the API returns it, with a copy button.
import { useState } from 'react';
import { useI18n } from '../../i18n.ts';

export function SecretReveal({ id, secret }: { id: string; secret: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false));
  };
  return (
    <div className="notice notice--stack" role="status" data-testid="device-secret">
      <span>{t('esSecretOnce', { id })}</span>
      <code className="secret" data-testid="device-secret-value">{secret}</code>
      <button type="button" className="btn btn--small" onClick={() => void copy()} data-testid="device-secret-copy">{copied ? t('esCopied') : t('esCopy')}</button>
    </div>
  );
}
