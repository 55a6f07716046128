// A new or reset account's one-time setup code, shown the one time the API returns it: the code and
// a link that opens the password form with account and code filled in, each with a copy button.
import { useEffect, useRef, useState } from 'react';
import { formatLocalTime } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import { setupLink } from '../../route.ts';

function CopyButton({ text, label, testId }: { text: string; label: string; testId: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = () => navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false));
  return <button type="button" className="btn btn--small" onClick={() => void copy()} data-testid={testId}>{copied ? t('scCopied') : label}</button>;
}

export function SetupCodeReveal({ account, code, expiresAt, onDone }: { account: string; code: string; expiresAt: string; onDone: () => void }) {
  const { t } = useI18n();
  const link = setupLink(location.origin + location.pathname, account, code);
  // A reset from far down the staff list: bring the code into view.
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  return (
    <div ref={box} className="notice notice--stack setup-reveal" role="status" data-testid="setup-reveal">
      <span>{t('scOnce', { account, until: formatLocalTime(expiresAt) })}</span>
      <code className="secret secret--big" data-testid="setup-code">{code}</code>
      <CopyButton text={code} label={t('scCopyCode')} testId="setup-code-copy" />
      <span>{t('scLink')}</span>
      <code className="secret" data-testid="setup-link">{link}</code>
      <CopyButton text={link} label={t('scCopyLink')} testId="setup-link-copy" />
      <button type="button" className="btn btn--small btn--primary" onClick={onDone} data-testid="setup-code-done">{t('scDone')}</button>
    </div>
  );
}
