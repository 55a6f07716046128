// The read gate with aedes' reading stood in for: each call of a socket's `_nextBatch` reads one
// chunk of 100 messages into the backlog, as aedes does when a socket's packets are done.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReadGate } from './read-gate.ts';

const CHUNK = 100;

function fakeSockets(n: number, backlog: { n: number; reads: number }) {
  return Array.from({ length: n }, () => {
    const socket = new PassThrough();
    const next = () => { backlog.n += CHUNK; backlog.reads++; };
    socket.on('readable', next);
    Object.assign(socket, { client: { _nextBatch: next } });
    return socket as PassThrough & { client: { _nextBatch: () => void } };
  });
}

describe('ReadGate', () => {
  it('after a stall, pays the reads it held back only until the backlog is at the mark again', () => {
    const backlog = { n: 0, reads: 0 };
    const gate = new ReadGate({ high: 500, low: 250, backlog: () => backlog.n });
    const sockets = fakeSockets(10, backlog);
    for (const s of sockets) expect(gate.attach(s)).toBe(true);
    // Every socket's packets are done twice (and its data is readable): 20 reads asked for.
    for (const s of sockets) { s.client._nextBatch(); s.client._nextBatch(); }
    expect(backlog.n).toBe(500);
    expect(gate.isPaused).toBe(true);

    // The database caught up to the low mark: reading resumes, but the held-back reads (15 of
    // them, 1,500 messages) may only fill the backlog to the mark, not all at once past it.
    backlog.n = 200;
    gate.committed();
    expect(backlog.n).toBe(500);
    expect(gate.isPaused).toBe(true);

    // Each later commit lets in as much as it took out, until every held-back read is paid.
    for (let i = 0; i < 10 && backlog.reads < 20; i++) {
      backlog.n = 0;
      gate.committed();
      expect(backlog.n).toBeLessThanOrEqual(500);
    }
    expect(backlog.reads).toBe(20);
    gate.close();
  });

  it('reads straight through while the backlog is under the mark', () => {
    const backlog = { n: 0, reads: 0 };
    const gate = new ReadGate({ high: 10_000, low: 5000, backlog: () => backlog.n });
    const [s] = fakeSockets(1, backlog);
    gate.attach(s);
    for (let i = 0; i < 5; i++) s.client._nextBatch();
    expect(backlog.reads).toBe(5);
    expect(gate.isPaused).toBe(false);
    gate.close();
  });
});
