// Receipts: number, money formatting and the downloadable HTML (Chinese and English). Pure.
import type { FeeLine } from '../billing/index.ts';
import { maskPlate } from '../core/plates.ts';
import { localDay } from '../core/local-time.ts';

/** ¥12.50 from 1250 fen; integer arithmetic only (money is never a float here). */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '−' : '';
  const a = Math.abs(fen);
  return `${sign}¥${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** The local calendar date (YYYYMMDD) of an instant in a time zone. */
export function localDate(at: Date, timeZone = 'Asia/Shanghai'): string {
  return localDay(at, timeZone).replace(/-/g, '');
}

/** Receipt number OL-YYYYMMDD-NNNNNN: the payment's local date and the charge id (unique per charge). */
export function receiptNumber(chargeId: number, paidAt: Date, timeZone = 'Asia/Shanghai'): string {
  return `OL-${localDate(paidAt, timeZone)}-${String(chargeId).padStart(6, '0')}`;
}

export interface ReceiptView {
  number: string;
  issuedAt: Date;
  invoiceId: number;
  lotName: string;
  lotNameEn: string;
  plate: string;
  entryTime: Date | null;
  exitTime: Date | null;
  amountFen: number;
  lines: FeeLine[];
  method: 'contactless' | 'online';
  status: 'succeeded' | 'refunded';
  timeZone: string;
  /** Refunds the provider confirmed, each its own line under the total (partial refunds leave it paid). */
  refunds?: Array<{ amountFen: number; at: Date }>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function localTime(d: Date | null, timeZone: string): string {
  if (!d) return '—';
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(d);
}

/** A self-contained HTML receipt; the plate is masked (a receipt is forwarded, printed, lost). */
export function renderReceiptHtml(r: ReceiptView): string {
  const tz = r.timeZone;
  const rows = r.lines
    .map((l) => `<tr><td>${esc(l.nameZh)} / ${esc(l.name)}</td><td>${esc(localTime(new Date(l.from), tz))} – ${esc(localTime(new Date(l.to), tz))}</td><td>${l.minutes}</td><td class="n">${formatYuan(l.amountFen)}</td></tr>`)
    .join('\n');
  const method = r.method === 'contactless' ? '无感支付 / Contactless (leave and go)' : '在线支付 / Online payment';
  const refunded = r.status === 'refunded' ? '<p class="refunded">已退款 / REFUNDED</p>' : '';
  const refunds = r.refunds ?? [];
  const refundRows = refunds
    .map((f) => `<tr class="refund"><td colspan="3">退款 / Refund ${esc(localTime(f.at, tz))}</td><td class="n">${formatYuan(-f.amountFen)}</td></tr>`)
    .join('\n');
  const net = refunds.length
    ? `${refundRows}\n<tr><th colspan="3">实收 / Net paid</th><th class="n">${formatYuan(r.amountFen - refunds.reduce((s, f) => s + f.amountFen, 0))}</th></tr>`
    : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>收据 Receipt ${esc(r.number)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:42em;margin:2em auto}table{width:100%;border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.3em;text-align:left}.n{text-align:right}.refunded{color:#b00;font-weight:bold}</style>
</head><body>
<h1>OneLot 停车收据 / Parking receipt</h1>
${refunded}
<dl>
<dt>收据编号 / Receipt no.</dt><dd>${esc(r.number)}</dd>
<dt>开具时间 / Issued</dt><dd>${esc(localTime(r.issuedAt, tz))}</dd>
<dt>账单 / Invoice</dt><dd>${r.invoiceId}</dd>
<dt>停车场 / Lot</dt><dd>${esc(r.lotName)} / ${esc(r.lotNameEn)}</dd>
<dt>车牌 / Plate</dt><dd>${esc(maskPlate(r.plate))}</dd>
<dt>入场 / Entry</dt><dd>${esc(localTime(r.entryTime, tz))}</dd>
<dt>出场 / Exit</dt><dd>${esc(localTime(r.exitTime, tz))}</dd>
<dt>支付方式 / Paid by</dt><dd>${method}</dd>
</dl>
<table><thead><tr><th>项目 / Item</th><th>时段 / Period</th><th>分钟 / Min</th><th class="n">金额 / Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th colspan="3">合计 / Total</th><th class="n">${formatYuan(r.amountFen)}</th></tr>${net}</tfoot></table>
</body></html>
`;
}
