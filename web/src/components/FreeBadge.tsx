import { levelOf } from '../availability.ts';
import { useI18n } from '../i18n.ts';

/** "40 free" pill in the lot's availability colour. */
export function FreeBadge({ free, occupied }: { free: number; occupied: number }) {
  const { t } = useI18n();
  return (
    <span className={`free-badge lvl-${levelOf({ free, occupied })}`}>
      <strong>{free}</strong> {t('free')}
    </span>
  );
}
