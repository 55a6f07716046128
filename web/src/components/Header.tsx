import { useI18n } from '../i18n.ts';
import type { Route } from '../route.ts';
import type { StreamState } from '../hooks/useStream.ts';
import { LangToggle } from './LangToggle.tsx';
import { Nav } from './Nav.tsx';
import { StreamStatus } from './StreamStatus.tsx';

interface Props {
  route: Route;
  /** The map page's live stream and "guide me"; other pages have neither. */
  stream?: StreamState;
  guideOpen?: boolean;
  onGuide?: () => void;
}

export function Header({ route, stream, guideOpen = false, onGuide }: Props) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand__logo" aria-hidden="true">P</span>
        <span className="brand__name">{t('appName')}</span>
        <span className="brand__tag">{t('tagline')}</span>
      </div>
      <Nav route={route} />
      <div className="topbar__actions">
        {onGuide && (
          <button
            type="button"
            className={`btn btn--primary guide-button${guideOpen ? ' is-active' : ''}`}
            data-testid="guide-button"
            aria-pressed={guideOpen}
            onClick={onGuide}
          >
            {t('guideMe')}
          </button>
        )}
        {stream && <StreamStatus state={stream} />}
        <LangToggle />
      </div>
    </header>
  );
}
