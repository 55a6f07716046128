// An audit entry's before/after as the fields that changed (audit.ts auditChanges): old value struck
// through, new value beside it; amounts in fen (fields named …Fen) as yuan, instants in local time.
import { auditChanges } from '../../audit.ts';
import { formatLocalTime } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Fen as yuan, instants in the operator's zone like every time on the page; the rest as recorded. */
function shown(field: string, value: string): string {
  if (/Fen$/.test(field) && /^-?\d+$/.test(value)) return formatFen(Number(value));
  return ISO.test(value) ? formatLocalTime(value) : value;
}

export function AuditDiff({ before, after }: { before: unknown; after: unknown }) {
  const { t } = useI18n();
  const changes = auditChanges(before, after);
  if (!changes.length) return <span className="muted">—</span>;
  return (
    <ul className="audit-diff" data-testid="audit-diff">
      {changes.map((c) => (
        <li key={c.field} data-field={c.field}>
          <code>{c.field}</code>{' '}
          {c.before !== undefined && <del title={t('auRemoved')}>{shown(c.field, c.before)}</del>}
          {c.before !== undefined && c.after !== undefined && ' → '}
          {c.after !== undefined && <ins title={t('auAdded')}>{shown(c.field, c.after)}</ins>}
        </li>
      ))}
    </ul>
  );
}
