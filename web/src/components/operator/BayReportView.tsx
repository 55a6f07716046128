// What a bulk add did: how many bays were added, and each refused row with its reason.
import { useI18n } from '../../i18n.ts';
import { refusalText } from '../../server-texts.ts';
import type { BayReport } from '../../types.ts';

export function BayReportView({ report }: { report: BayReport }) {
  const { t, lang } = useI18n();
  return (
    <div data-testid="bay-report" role="status">
      <p>
        <span className="chip chip--ok" data-testid="bay-report-created">{t('esReportCreated', { n: report.created.length })}</span>{' '}
        {report.refused.length > 0 && <span className="chip chip--bad" data-testid="bay-report-refused">{t('esReportRefused', { n: report.refused.length })}</span>}
      </p>
      {report.refused.length > 0 && (
        <div className="table-wrap">
          <table className="data-table data-table--compact">
            <thead><tr><th scope="col" className="num">{t('esColRow')}</th><th scope="col">{t('esColCode')}</th><th scope="col">{t('esColReason')}</th></tr></thead>
            <tbody>
              {report.refused.map((r) => (
                <tr key={`${r.row}-${r.code}`}><td className="num">{r.row}</td><td>{r.code}</td><td>{lang === 'zh' && r.field && <><code>{r.field}</code> </>}{refusalText(r, lang)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
