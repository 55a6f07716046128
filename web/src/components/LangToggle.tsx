import { useI18n } from '../i18n.ts';

export function LangToggle() {
  const { lang, t, setLang } = useI18n();
  return (
    <button
      type="button"
      className="lang-toggle"
      data-testid="lang-toggle"
      data-lang={lang}
      title={t('langToggleTitle')}
      aria-label={t('langToggleTitle')}
      onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
    >
      <span className={lang === 'zh' ? 'is-active' : undefined}>中文</span>
      <span aria-hidden="true">/</span>
      <span className={lang === 'en' ? 'is-active' : undefined}>EN</span>
    </button>
  );
}
