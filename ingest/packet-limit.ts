// A maximum MQTT packet size, enforced while reading. aedes (mqtt-packet's parser) buffers a packet
// until its last byte has arrived, whatever length it announces: a 10 MB PUBLISH was accepted and
// buffered, and an unauthenticated client streamed 59 MB of one CONNECT until the connect timeout.
// Every MQTT packet announces its size up front, in the fixed header's Remaining Length
// [MQTT-2.2.3], so this Transform sits between the TCP socket and aedes, walks the packet
// boundaries of the bytes as they arrive (no copy: chunks pass through as they are), and destroys
// the socket as soon as a header announces more than the limit, before the body is sent. A
// Remaining Length longer than four bytes is malformed [MQTT-2.2.3] and is cut the same way.
import { Duplex } from 'node:stream';
import type net from 'node:net';

export type CutReason = 'packet_too_large' | 'bad_length';

export interface PacketLimitOptions {
  /** Largest packet accepted, in bytes, fixed header included. */
  maxPacketBytes: number;
  /** Called once, when the connection is cut. */
  onCut(reason: CutReason, detail: { announcedBytes?: number }): void;
}

/** Where the reader is inside the current packet. */
const HEADER = 0; // the next byte is a packet's first byte (type and flags)
const LENGTH = 1; // reading the Remaining Length varint
const BODY = 2; // skipping the packet's remaining bytes

/** Follows packet boundaries across chunks; pure, no I/O. */
export class PacketScanner {
  private state = HEADER;
  private remaining = 0; // BODY: bytes of the packet still to come; LENGTH: value so far
  private multiplier = 1;
  private lengthBytes = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Advance over `chunk`; the reason to cut the connection, or undefined. */
  scan(chunk: Buffer): { reason: CutReason; announcedBytes?: number } | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === BODY) {
        const skip = Math.min(this.remaining, chunk.length - i);
        i += skip;
        this.remaining -= skip;
        if (this.remaining === 0) this.state = HEADER;
      } else if (this.state === HEADER) {
        i++;
        this.state = LENGTH;
        this.remaining = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
      } else {
        const byte = chunk[i++];
        this.remaining += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        const more = (byte & 0x80) !== 0;
        // At most four bytes of Remaining Length [MQTT-2.2.3]; a fifth is malformed.
        if (more && this.lengthBytes === 4) return { reason: 'bad_length' };
        // Known too large before the varint ends: its remaining bytes only add to it.
        const announcedBytes = 1 + this.lengthBytes + this.remaining;
        if (announcedBytes > this.maxPacketBytes) return { reason: 'packet_too_large', announcedBytes };
        if (!more) this.state = this.remaining === 0 ? HEADER : BODY;
      }
    }
    return undefined;
  }
}

/**
 * The socket as aedes sees it: reads are scanned and passed on (with the socket's backpressure),
 * writes go straight to the socket, and the remote address stays readable (authentication keys its
 * limits on it).
 */
export class LimitedSocket extends Duplex {
  readonly remoteAddress: string | undefined;

  constructor(private readonly socket: net.Socket, opts: PacketLimitOptions) {
    super({ allowHalfOpen: false });
    this.remoteAddress = socket.remoteAddress;
    const scanner = new PacketScanner(opts.maxPacketBytes);
    socket.on('data', (chunk: Buffer) => {
      const cut = scanner.scan(chunk);
      if (cut) {
        socket.pause();
        opts.onCut(cut.reason, cut);
        this.destroy(); // nothing more is read or handed to aedes; the socket is closed
      } else if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.socket.write(chunk, encoding, done);
  }

  // mqtt-packet corks this stream and writes a packet in pieces (a PUBACK is three writes of 1–2
  // bytes): they go to the socket as one buffer, one write(2), not a writev(2) of the pieces through
  // the socket's own cork (issue 14: ~9 % of the main thread was writev under load).
  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, done: (err?: Error | null) => void): void {
    this.socket.write(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}
