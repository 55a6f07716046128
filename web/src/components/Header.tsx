import { useI18n } from '../i18n.ts';
import type { StreamState } from '../hooks/useStream.ts';
import { LangToggle } from './LangToggle.tsx';
import { StreamStatus } from './StreamStatus.tsx';

interface Props {
  stream: StreamState;
  guideOpen: boolean;
  onGuide: () => void;
}

export function Header({ stream, guideOpen, onGuide }: Props) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand__logo" aria-hidden="true">P</span>
        <span className="brand__name">{t('appName')}</span>
        <span className="brand__tag">{t('tagline')}</span>
      </div>
      <div className="topbar__actions">
        <button
          type="button"
          className={`btn btn--primary guide-button${guideOpen ? ' is-active' : ''}`}
          data-testid="guide-button"
          aria-pressed={guideOpen}
          onClick={onGuide}
        >
          {t('guideMe')}
        </button>
        <StreamStatus state={stream} />
        <LangToggle />
      </div>
    </header>
  );
}
