// Paying invoices: POST …/pay answers 202 "pending" and the provider confirms later by webhook,
// so after starting a payment this polls the invoice until it leaves "paying":
// paid → paid (with the receipt link), back to outstanding → declined (lastFailure says why).
// Keyed by the invoice's public reference; T is the shape the page polls (an account invoice, or
// the public view the payer follows with the payment key).
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api.ts';

interface Settling {
  status: string;
  lastFailure: string | null;
}

export type PayState<T extends Settling = Settling> =
  | { phase: 'pending' }
  | { phase: 'paid'; invoice: T }
  | { phase: 'declined'; reason: string | null }
  | { phase: 'timeout' }
  | { phase: 'error'; message: string };

const POLL_MS = 800;
// The provider normally answers within a second or two; past this, say so rather than spin forever.
const POLL_LIMIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function usePayments<T extends Settling>(check: (ref: string) => Promise<T>) {
  const [states, setStates] = useState<ReadonlyMap<string, PayState<T>>>(() => new Map());
  const alive = useRef(true);
  const checkRef = useRef(check);
  useEffect(() => {
    checkRef.current = check;
  }, [check]);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const set = useCallback((id: string, s: PayState<T>) => {
    if (alive.current) setStates((prev) => new Map(prev).set(id, s));
  }, []);

  /** Start a payment with `start` (the POST), then follow it; resolves with the final state. */
  const pay = useCallback(
    async (id: string, start: () => Promise<unknown>): Promise<PayState<T>> => {
      let s: PayState<T> = { phase: 'pending' };
      set(id, s);
      try {
        await start();
      } catch (err) {
        s = { phase: 'error', message: errorMessage(err) };
        set(id, s);
        return s;
      }
      const deadline = Date.now() + POLL_LIMIT_MS;
      while (alive.current) {
        await sleep(POLL_MS);
        let inv: T;
        try {
          inv = await checkRef.current(id);
        } catch {
          if (Date.now() > deadline) break;
          continue; // a blip while polling is not the payment's answer
        }
        if (inv.status === 'paid') s = { phase: 'paid', invoice: inv };
        else if (inv.status === 'outstanding') s = { phase: 'declined', reason: inv.lastFailure };
        else if (inv.status !== 'paying') s = { phase: 'error', message: inv.status };
        else if (Date.now() > deadline) s = { phase: 'timeout' };
        else continue;
        set(id, s);
        return s;
      }
      s = { phase: 'timeout' };
      set(id, s);
      return s;
    },
    [set],
  );

  return { states, pay };
}
