// Side panel on wide screens, bottom sheet on narrow ones (CSS decides); the handle only shows
// on narrow screens and folds the sheet down to give the map room.
import type { ReactNode } from 'react';
import { useI18n } from '../i18n.ts';

interface Props {
  open: boolean;
  onToggle: () => void;
  /** Stays visible when the sheet is folded (the search box). */
  top: ReactNode;
  children: ReactNode;
}

export function SidePanel({ open, onToggle, top, children }: Props) {
  const { t } = useI18n();
  return (
    <aside className={`panel${open ? '' : ' is-collapsed'}`} data-testid="side-panel">
      <button
        type="button"
        className="panel__handle"
        onClick={onToggle}
        aria-expanded={open}
        aria-label={t(open ? 'hidePanel' : 'showPanel')}
        title={t(open ? 'hidePanel' : 'showPanel')}
      >
        <span aria-hidden="true" />
      </button>
      <div className="panel__top">{top}</div>
      <div className="panel__body">{children}</div>
    </aside>
  );
}
