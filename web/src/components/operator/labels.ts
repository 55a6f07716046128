// Words for the codes the review queue sends (billing/session-rules.ts); an unknown code shows as sent.
import type { StringKey } from '../../i18n.ts';
import type { Refund, ReminderMessage, ResolveAction, ReviewSession } from '../../types.ts';

export const EXCEPTION_KIND: Record<string, StringKey> = {
  'exit-without-entry': 'exExitWithoutEntry',
  overstay: 'exOverstay',
  'double-entry': 'exDoubleEntry',
  'low-confidence': 'exLowConfidence',
  'unreadable-plate': 'exUnreadablePlate',
  'bay-handover': 'exBayHandover',
  'uncertain-plate': 'exUncertainPlate',
  'no-tariff': 'exNoTariff',
  'payment-mismatch': 'exPaymentMismatch',
};

/** Why a session is in review (billing/review-reasons.ts codes). */
export const REVIEW_REASON: Record<ReviewSession['reviewReasons'][number], StringKey> = {
  'double-entry': 'reasonDoubleEntry',
  'low-confidence-entry': 'reasonLowEntry',
  'low-confidence-exit': 'reasonLowExit',
  'bay-handover': 'reasonBayHandover',
  'plate-uncertain': 'reasonPlateUncertain',
  approved: 'reasonApproved',
  voided: 'reasonVoided',
};

/** Which read of a vehicle (billing/plate-evidence.ts PlateRead role). */
export const READ_ROLE: Record<string, StringKey> = {
  entry: 'opReadEntry',
  sighting: 'opReadSighting',
  exit: 'opReadExit',
};

export const MATCH_METHOD: Record<string, StringKey> = {
  exact: 'matchExact',
  confusable: 'matchConfusable',
  bay: 'matchBay',
  manual: 'matchManual',
};

export const RESOLVE_ACTION: Record<ResolveAction, { label: StringKey; help: StringKey }> = {
  approve: { label: 'opApprove', help: 'opApproveHelp' },
  void: { label: 'opVoid', help: 'opVoidHelp' },
  dismiss: { label: 'opDismiss', help: 'opDismissHelp' },
};

/** A refund's status (payments/refunds.ts). */
export const REFUND_STATUS: Record<Refund['status'], StringKey> = {
  pending_approval: 'rsPendingApproval',
  requested: 'rsRequested',
  succeeded: 'rsSucceeded',
  failed: 'rsFailed',
  rejected: 'rsRejected',
};

/** A reminder message's status (payments/reminders.ts), and the chip it shows in. */
export const REMINDER_STATUS: Record<ReminderMessage['status'], { label: StringKey; chip: string }> = {
  queued: { label: 'remQueued', chip: 'chip--paying' },
  deferred_quiet_hours: { label: 'remDeferred', chip: 'chip--outstanding' },
  sent: { label: 'remSent', chip: 'chip--paying' },
  delivered: { label: 'remDelivered', chip: 'chip--ok' },
  failed: { label: 'remFailed', chip: 'chip--bad' },
  no_recipient: { label: 'remNoRecipient', chip: '' },
};

/** Audit log actions (core/audit.ts callers) by their code; an action not listed shows as its code. */
export const ACTION_LABEL: Record<string, StringKey> = {
  'sign-in': 'act_sign-in',
  'operator.onboard': 'act_operator.onboard',
  'account.create': 'act_account.create',
  'account.update': 'act_account.update',
  'account.reset-password': 'act_account.reset-password',
  'account.set-password': 'act_account.set-password',
  'invoice.refund': 'act_invoice.refund',
  'reminders.run': 'act_reminders.run',
  'exception.approve': 'act_exception.approve',
  'exception.void': 'act_exception.void',
  'exception.dismiss': 'act_exception.dismiss',
  'invoice.void': 'act_invoice.void',
  'refund.request-approval': 'act_refund.request-approval',
  'refund.approve': 'act_refund.approve',
  'refund.reject': 'act_refund.reject',
  'lot.create': 'act_lot.create',
  'lot.update': 'act_lot.update',
  'lot.retire': 'act_lot.retire',
  'bays.add': 'act_bays.add',
  'bay.update': 'act_bay.update',
  'bay.retire': 'act_bay.retire',
  'device.register': 'act_device.register',
  'device.rotate-secret': 'act_device.rotate-secret',
  'device.disable': 'act_device.disable',
  'device.enable': 'act_device.enable',
  'tariff.draft': 'act_tariff.draft',
  'tariff.update': 'act_tariff.update',
  'tariff.delete': 'act_tariff.delete',
  'tariff.schedule': 'act_tariff.schedule',
  'tariff.approve': 'act_tariff.approve',
  'tariff.reject': 'act_tariff.reject',
  'alert.acknowledge': 'act_alert.acknowledge',
  'alert.resolve': 'act_alert.resolve',
  'pass.issue': 'act_pass.issue',
  'pass.revoke': 'act_pass.revoke',
};
