// One account of the admin's operator: who, role, state, refund limit (yuan), last sign-in, and
// what the admin may do to it — disable/enable, change the limit, reset its password (which hands
// a new setup code up to be shown once). One's own account cannot be disabled (the API refuses).
import { useState } from 'react';
import { resetAccountPassword, updateAccount } from '../../accounts-api.ts';
import { ApiError } from '../../api.ts';
import { formatLocalTime } from '../../format.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n, type StringKey } from '../../i18n.ts';
import { formatFen } from '../../money.ts';
import type { ConsoleAccount, WithSetupCode } from '../../types.ts';
import { ConfirmButton } from './ConfirmButton.tsx';
import { RefundLimitInput } from './NewAccountForm.tsx';
import { parseYuan, yuanText } from './tariffs/draft.ts';

export const ROLE_LABEL: Record<ConsoleAccount['role'], StringKey> = { city: 'roleCity', admin: 'roleAdmin', staff: 'roleStaff' };

interface Props {
  a: ConsoleAccount;
  token: string;
  self: boolean;
  onExpired: () => void;
  onChanged: () => void;
  onReset: (made: WithSetupCode) => void;
}

export function StaffRow({ a, token, self, onExpired, onChanged, onReset }: Props) {
  const { t } = useI18n();
  const [limit, setLimit] = useState<string | null>(null);
  // ConfirmButton shows a thrown error; a 401 signs out instead.
  const act = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      throw err;
    }
  };
  const [limitError, setLimitError] = useState<string | null>(null);
  const saveLimit = async (text: string) => {
    const fen = text.trim() === '' ? null : parseYuan(text);
    if (fen === null && text.trim() !== '') return setLimitError(t('stBadYuan'));
    try {
      await updateAccount(token, a.accountId, { refundLimitFen: fen });
      setLimit(null);
      setLimitError(null);
      onChanged();
    } catch (err) {
      setLimitError(operatorFailure(err, onExpired));
    }
  };
  const id = a.accountId;
  return (
    <li className="row row--wrap staff-row" data-testid="staff-row" data-account-id={id} data-active={a.active}>
      <div className="row__main">
        <strong>{a.name} <span className="muted">{id}{self ? ` ${t('stYou')}` : ''}</span></strong>
        <span>
          {t(ROLE_LABEL[a.role])}{' · '}
          {!a.active ? <span className="chip chip--bad" data-testid="staff-state">{t('stDisabled')}</span>
            : a.mustSetPassword ? <span className="chip chip--outstanding" data-testid="staff-state">{t('stPending')}</span>
            : <span className="chip chip--ok" data-testid="staff-state">{t('stActive')}</span>}
        </span>
        <span className="muted">
          {a.role === 'staff' && <>{t('stColLimit')}: <span data-testid="staff-limit-value">{a.refundLimitFen === null ? t('stNoLimit') : formatFen(a.refundLimitFen)}</span> · </>}
          {t('stColLastSignIn')}: {a.lastSignInAt ? formatLocalTime(a.lastSignInAt) : t('stNever')}
        </span>
      </div>
      <div className="row__end staff-row__actions">
        {a.role === 'staff' && limit === null && (
          <button type="button" className="btn btn--small" onClick={() => setLimit(a.refundLimitFen === null ? '' : yuanText(a.refundLimitFen))} data-testid="staff-set-limit">{t('stSetLimit')}</button>
        )}
        {a.active && !self && <ConfirmButton label={t('stDisable')} question={t('stDisableQ', { id })} danger testId="staff-disable" onConfirm={() => act(async () => { await updateAccount(token, id, { active: false }); onChanged(); })} />}
        {!a.active && <ConfirmButton label={t('stEnable')} question={`${t('stEnable')} ${id}?`} testId="staff-enable" onConfirm={() => act(async () => { await updateAccount(token, id, { active: true }); onChanged(); })} />}
        {!self && <ConfirmButton label={t('stReset')} question={t('stResetQ', { id })} danger testId="staff-reset" onConfirm={() => act(async () => { onReset(await resetAccountPassword(token, id)); onChanged(); })} />}
      </div>
      {limit !== null && (
        <form className="form-grid staff-row__limit" onSubmit={(e) => { e.preventDefault(); void saveLimit(limit); }}>
          <RefundLimitInput value={limit} onChange={setLimit} testId="staff-limit-edit" />
          <button type="submit" className="btn btn--small btn--primary" disabled={limit.trim() !== '' && parseYuan(limit) === null} data-testid="staff-limit-save">{t('stSave')}</button>
          <button type="button" className="btn btn--small" onClick={() => { setLimit(null); setLimitError(null); }}>{t('cancel')}</button>
          {limitError && <div className="notice" role="alert" data-testid="staff-limit-error">{limitError}</div>}
        </form>
      )}
    </li>
  );
}
