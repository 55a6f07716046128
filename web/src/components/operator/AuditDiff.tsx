// An audit entry's before/after as the fields that changed (audit.ts auditChanges): old value struck
// through, new value beside it; amounts in fen (fields named …Fen) as yuan.
import { auditChanges } from '../../audit.ts';
import { useI18n } from '../../i18n.ts';
import { formatFen } from '../../money.ts';

function shown(field: string, value: string): string {
  return /Fen$/.test(field) && /^-?\d+$/.test(value) ? formatFen(Number(value)) : value;
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
