// Money on the page: amounts arrive as integer fen and are only ever formatted with integer
// arithmetic (no float yuan), so ¥0.10 + ¥0.20 never shows as ¥0.30000000000000004.

/** 1250 → "¥12.50", -5 → "−¥0.05". Not an integer → "¥—" (the API never sends one). */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) return '¥—';
  const sign = fen < 0 ? '−' : '';
  const a = Math.abs(fen);
  const yuan = Math.trunc(a / 100);
  return `${sign}¥${yuan.toLocaleString('en-US')}.${String(a % 100).padStart(2, '0')}`;
}

/** Sum of integer fen amounts. */
export function sumFen(amounts: readonly number[]): number {
  let s = 0;
  for (const a of amounts) s += a;
  return s;
}
