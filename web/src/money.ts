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

/**
 * What an operator types as yuan ("3", "3.5", "3.50", "¥3.50") as integer fen, or null for anything
 * else (more than two decimals, a sign, letters). Parsed as text: no float arithmetic on money.
 */
export function parseYuan(text: string): number | null {
  const m = /^[¥￥]?\s*(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
