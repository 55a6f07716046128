// The console's calls for refunds, voids, evidence and the reasons they take (issue 11;
// payments/http/refunds.ts, billing/http/voids.ts).
import { request } from './api.ts';
import type { AdjustmentReason, AdjustmentReasonInput, EvidenceEvent, InvoiceRefunds, Refund, VoidResult } from './types.ts';

export function fetchAdjustmentReasons(token: string, signal?: AbortSignal): Promise<{ reasons: AdjustmentReason[] }> {
  return request('/api/v1/operator/adjustment-reasons', { token, signal });
}

/** Candidate evidence of an invoice's stay: its raw device events. */
export function fetchEvidence(token: string, invoiceId: number, signal?: AbortSignal): Promise<{ invoiceId: number; events: EvidenceEvent[] }> {
  return request(`/api/v1/operator/invoices/${invoiceId}/evidence`, { token, signal });
}

export function fetchInvoiceRefunds(token: string, invoiceId: number, signal?: AbortSignal): Promise<InvoiceRefunds> {
  return request(`/api/v1/operator/invoices/${invoiceId}/refunds`, { token, signal });
}

export interface RefundInput { amountFen: number; reason: AdjustmentReasonInput; evidence: string[] }

/**
 * Refund (part of) a paid invoice; 202 (the provider confirms by webhook, or an admin must approve).
 * `key` is the dialog's Idempotency-Key: pressing again after a lost answer is the same refund.
 */
export function refundInvoice(token: string, invoiceId: number, body: RefundInput, key: string): Promise<Refund> {
  return request(`/api/v1/operator/invoices/${invoiceId}/refund`, { method: 'POST', token, body, headers: { 'Idempotency-Key': key } });
}

export function voidInvoice(token: string, invoiceId: number, body: { reason: AdjustmentReasonInput; evidence: string[] }): Promise<VoidResult> {
  return request(`/api/v1/operator/invoices/${invoiceId}/void`, { method: 'POST', token, body });
}

/** Refunds waiting above a staff limit (the admins' approvals list). */
export function fetchPendingRefunds(token: string, signal?: AbortSignal): Promise<{ refunds: Refund[] }> {
  return request('/api/v1/operator/refunds?status=pending_approval', { token, signal });
}

export function decideRefund(token: string, refundId: number, decision: 'approve' | 'reject', note: string): Promise<Refund> {
  return request(`/api/v1/operator/refunds/${refundId}/${decision}`, { method: 'POST', token, body: note ? { note } : {} });
}
