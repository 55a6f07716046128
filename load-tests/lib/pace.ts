// An open loop: messages sent on a clock, whatever the acknowledgements (an open loop shows the
// queueing a closed loop hides), shared by the device load and the billing benchmark.

/**
 * Call `send(k)` for k = 0, 1, 2, … so that message k goes out at k / rate seconds after the start,
 * checking the clock every `tickMs`; resolves once `more()` says no more are to be sent.
 */
export function pace(rate: number, send: (k: number) => void, more: (sent: number) => boolean, tickMs = 10): Promise<void> {
  const started = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (sent < due && more(sent)) send(sent++);
      if (!more(sent)) { clearInterval(timer); resolve(); }
    };
    const timer = setInterval(tick, tickMs);
    tick();
  });
}
