// HTTP/1.1 message framing for the runtime's client and server, on plain TCP sockets (RFC 9112).
//
// Why not node:http: on a 1.2 MB KServe request node:http costs about three times the CPU of the
// bytes themselves — every 64 KB socket read is a fresh buffer, passed through the parser as a
// chunk and copied once more into the body. Here a head is read into one scratch buffer; a body
// with a Content-Length is read by the kernel straight into the buffer its owner provides (the
// socket's read buffer is pointed at the unread rest of it, so a read never crosses the body's end);
// a chunked or read-to-end body is copied out of the scratch buffer into that buffer, bounded by its
// size. Nothing is allocated per read.
//
// The reader frames messages; what a start line means, which statuses to answer and which limits
// apply are its owner's (the client's or the server's) business.

import net from 'node:net';

export const MAX_HEAD_BYTES = 65536;

/** A message head: the start line and the header fields (names in lower case, repeated fields joined by ", "). */
export interface Head {
  readonly line: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** How to read the body that follows a head. `into` is where it goes: exactly its length for `length`, at most its size otherwise. */
export type BodyPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly into: Buffer }
  | { readonly kind: 'chunked' | 'eof'; readonly into: Buffer };

/**
 * A framing error: `malformed` (not HTTP/1.1 as RFC 9112 frames it; the message is a noun phrase,
 * "two different Content-Length headers"), `head` (head too long) or `body` (body longer than `into`).
 */
export class FramingError extends Error {
  constructor(readonly kind: 'malformed' | 'head' | 'body', message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

export interface MessageHandler {
  /** A head arrived: say how to read its body, or null to stop reading (the handler has taken over). */
  head(head: Head): BodyPlan | null;
  /** The body is complete (a view into the plan's `into`; empty for `none`). Reading stops until `next()`. */
  body(body: Buffer): void;
  /** Framing failed; reading stops for good. */
  failed(e: FramingError): void;
}

const enum Mode { Head, Length, Chunked, ToEof, Held, Dead }
const enum Chunk { Size, Data, DataEnd, Trailer }
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/;

/** Does a comma-separated header value list `token` (case-insensitive)? */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}

/**
 * Reads HTTP/1.1 messages from one connection, one at a time: after a body the reader holds until
 * `next()` (bytes that arrive meanwhile — a pipelined request — wait in the scratch buffer; when it
 * is full, `onRead` returns false so the socket stops reading).
 */
export class MessageReader {
  private readonly scratch: Buffer;
  /** Bytes in the scratch buffer not yet consumed. */
  private n = 0;
  private mode = Mode.Head;
  private into: Buffer | null = null;
  private got = 0;
  private chunk = Chunk.Size;
  private remaining = 0;
  private line = '';
  private readonly overflow = Buffer.allocUnsafe(1);
  /** What `readInto` last lent: the body's rest, else the scratch buffer from `lentAt` (-1: the overflow byte). */
  private lentBody = false;
  private lentAt = 0;

  constructor(private readonly handler: MessageHandler, maxHead = MAX_HEAD_BYTES) {
    this.scratch = Buffer.allocUnsafe(maxHead);
  }

  /** Bytes held in the scratch buffer (after a message: the start of whatever follows it). */
  get buffered(): number { return this.n; }
  /** Held with a full scratch buffer: reading must wait for `next()`. */
  get full(): boolean { return this.mode === Mode.Held && this.n >= this.scratch.length; }

  /**
   * Where the socket's next read goes: the rest of a Content-Length body, else the scratch buffer.
   * Node asks for the next buffer as soon as a read is handled, and the read may come much later,
   * after the owner has moved the reader on (`next()` from an answer written later): `onRead`
   * therefore takes the bytes from where they were lent, not from where they would go now.
   */
  readInto(): Uint8Array {
    if (this.mode === Mode.Length) { this.lentBody = true; return this.into!.subarray(this.got); }
    this.lentBody = false;
    if (this.n < this.scratch.length) { this.lentAt = this.n; return this.scratch.subarray(this.n); }
    // Held with a full scratch buffer (onRead said to stop): a throwaway buffer, never empty as the
    // socket requires; what lands there is moved once there is room.
    this.lentAt = -1;
    return this.overflow;
  }

  /** `nread` bytes were read into the buffer `readInto` last returned; false: stop reading until `next()`. */
  onRead(nread: number): boolean {
    if (this.lentBody) {
      if (this.mode !== Mode.Length) return true; // killed meanwhile: dropped
      this.got += nread;
      if (this.got === this.into!.length) this.complete(this.into!);
      return true;
    }
    if (this.mode === Mode.Dead) return true;
    // The stream's next bytes, wherever they landed: bring them to the end of what the scratch holds.
    const src = this.lentAt < 0 ? this.overflow : this.scratch;
    const from = this.lentAt < 0 ? 0 : this.lentAt;
    if (src !== this.scratch || from !== this.n) {
      if (this.n + nread > this.scratch.length) { this.fail(new FramingError('head', `more than ${this.scratch.length} bytes arrived ahead of their turn`)); return false; }
      src.copy(this.scratch, this.n, from, from + nread);
    }
    this.n += nread;
    if (this.mode === Mode.Head) this.parse();
    else if (this.mode === Mode.Length) this.drain();
    else if (this.mode === Mode.Chunked || this.mode === Mode.ToEof) this.feed();
    return !this.full;
  }

  /** Read the next message (parsing at once whatever is already buffered). */
  next(): void {
    if (this.mode !== Mode.Held) return;
    this.mode = Mode.Head;
    if (this.n > 0) this.parse();
  }

  /** The connection ended: a read-to-end body is complete; anything else was cut short (false). */
  end(): boolean {
    if (this.mode === Mode.ToEof) { this.complete(this.into!.subarray(0, this.got)); return true; }
    return this.mode === Mode.Held || (this.mode === Mode.Head && this.n === 0);
  }

  /** Stop reading for good; later bytes are dropped. */
  kill(): void {
    this.mode = Mode.Dead;
    this.into = null;
    this.n = 0;
  }

  private fail(e: FramingError): void {
    this.kill();
    this.handler.failed(e);
  }

  private complete(body: Buffer): void {
    this.mode = Mode.Held;
    this.into = null;
    this.handler.body(body);
  }

  private parse(): void {
    while (this.mode === Mode.Head) {
      const end = this.scratch.subarray(0, this.n).indexOf('\r\n\r\n', 0, 'latin1');
      if (end < 0) {
        if (this.n >= this.scratch.length) this.fail(new FramingError('head', `the head is longer than ${this.scratch.length} bytes`));
        return;
      }
      const lines = this.scratch.toString('latin1', 0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (let i = 1; i < lines.length; i++) {
        const l = lines[i]!;
        const colon = l.indexOf(':');
        const name = colon > 0 ? l.slice(0, colon).toLowerCase() : '';
        if (!TOKEN.test(name)) { this.fail(new FramingError('malformed', `a malformed header line ${JSON.stringify(l.slice(0, 80))}`)); return; }
        const value = l.slice(colon + 1).trim();
        if (name in headers && name === 'content-length' && headers[name] !== value) { this.fail(new FramingError('malformed', 'two different Content-Length headers')); return; }
        headers[name] = name in headers && name !== 'content-length' ? `${headers[name]}, ${value}` : value;
      }
      if (headers['transfer-encoding'] !== undefined && headers['content-length'] !== undefined) { this.fail(new FramingError('malformed', 'both Transfer-Encoding and Content-Length')); return; }
      // Drop the head from the scratch buffer.
      this.scratch.copy(this.scratch, 0, end + 4, this.n);
      this.n -= end + 4;
      const plan = this.handler.head({ line: lines[0]!, headers });
      if (plan === null) { if (this.mode === Mode.Head) this.kill(); return; }
      this.begin(plan);
    }
  }

  /** The head is parsed; the first `this.n` bytes of the scratch buffer are the body's start. */
  private begin(plan: BodyPlan): void {
    this.got = 0;
    if (plan.kind === 'none') { this.complete(this.scratch.subarray(0, 0)); return; }
    this.into = plan.into;
    if (plan.kind === 'length') {
      this.mode = Mode.Length;
      this.drain();
      return;
    }
    this.mode = plan.kind === 'chunked' ? Mode.Chunked : Mode.ToEof;
    this.chunk = Chunk.Size;
    this.line = '';
    this.feed();
  }

  /** The scratch buffer's bytes start (or continue) a Content-Length body: move them into it. */
  private drain(): void {
    const into = this.into!;
    const take = Math.min(this.n, into.length - this.got);
    this.scratch.copy(into, this.got, 0, take);
    this.scratch.copy(this.scratch, 0, take, this.n);
    this.n -= take;
    this.got += take;
    if (this.got === into.length) this.complete(into);
  }

  /** The scratch buffer's bytes belong to a chunked or read-to-end body: move them into `into`. */
  private feed(): void {
    const b = this.scratch;
    const into = this.into!;
    const to = this.n;
    if (this.mode === Mode.ToEof) {
      if (this.got + to > into.length) { this.fail(new FramingError('body', `the body is longer than ${into.length} bytes`)); return; }
      b.copy(into, this.got, 0, to);
      this.got += to;
      this.n = 0;
      return;
    }
    let i = 0;
    while (i < to) {
      switch (this.chunk) {
        case Chunk.Size:
        case Chunk.Trailer: {
          const nl = b.indexOf(10, i);
          const stop = nl < 0 || nl >= to ? to : nl;
          this.line += b.toString('latin1', i, stop);
          if (this.line.length > 4096) { this.fail(new FramingError('malformed', 'a chunk-size or trailer line longer than 4096 bytes')); return; }
          i = stop;
          if (stop === to) break;
          i++;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          if (this.chunk === Chunk.Trailer) {
            if (line === '') {
              // The rest (a pipelined message) stays in the scratch buffer.
              b.copy(b, 0, i, to);
              this.n = to - i;
              this.complete(into.subarray(0, this.got));
              return;
            }
            break;
          }
          const size = CHUNK_SIZE.exec(line);
          if (size === null) { this.fail(new FramingError('malformed', `a malformed chunk size ${JSON.stringify(line.slice(0, 40))}`)); return; }
          this.remaining = parseInt(size[1]!, 16);
          if (this.remaining === 0) this.chunk = Chunk.Trailer;
          else if (this.got + this.remaining > into.length) { this.fail(new FramingError('body', `the body is longer than ${into.length} bytes`)); return; }
          else this.chunk = Chunk.Data;
          break;
        }
        case Chunk.Data: {
          const take = Math.min(this.remaining, to - i);
          b.copy(into, this.got, i, i + take);
          this.got += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) { this.chunk = Chunk.DataEnd; this.remaining = 2; }
          break;
        }
        case Chunk.DataEnd: {
          if (b[i] !== (this.remaining === 2 ? 13 : 10)) { this.fail(new FramingError('malformed', 'a chunk that does not end with CRLF')); return; }
          i++;
          if (--this.remaining === 0) this.chunk = Chunk.Size;
          break;
        }
      }
    }
    this.n = 0;
  }
}

/** Writes one message: `head` (latin1) and the pieces in one writev; `done` once all have left or failed. */
export function writeMessage(socket: net.Socket, head: string, pieces: readonly Uint8Array[], done?: () => void): void {
  socket.cork();
  if (pieces.length === 0) socket.write(head, 'latin1', done);
  else {
    socket.write(head, 'latin1');
    for (let i = 0; i < pieces.length - 1; i++) socket.write(pieces[i]!);
    socket.write(pieces[pieces.length - 1]!, done);
  }
  socket.uncork();
}

/** A connection read through a MessageReader's buffers. */
export interface ReadingSocket {
  readonly socket: net.Socket;
  /** Start reading again after `onRead` returned false, unless the reader is still full. */
  resume(): void;
}

/**
 * Reads an accepted connection (from a server created with `pauseOnConnect`) through `reader`.
 * `direct`: the descriptor moves to a socket made with `onread`, so the kernel reads straight into
 * the reader's buffers (a body into its own buffer). Node offers `onread` only to sockets it
 * creates, not to those a server accepts, so this takes the accepted socket's handle — a
 * long-standing internal that `child_process` handle passing also relies on. Where it is missing,
 * or with `direct` false, each chunk Node reads is copied into the reader's buffers instead.
 */
export function readAccepted(accepted: net.Socket, reader: Pick<MessageReader, 'readInto' | 'onRead' | 'full'>, direct: boolean): ReadingSocket {
  const slot = accepted as unknown as { _handle?: { readStart?: unknown } | null };
  const handle = slot._handle;
  if (direct && handle !== null && handle !== undefined && typeof handle.readStart === 'function') {
    slot._handle = null;
    // Without its handle the accepted socket closes without touching the descriptor; the server
    // counts it as gone.
    accepted.destroy();
    const socket = new net.Socket({ handle, allowHalfOpen: accepted.allowHalfOpen, readable: true, writable: true, onread: { buffer: () => reader.readInto(), callback: (n: number) => reader.onRead(n) } } as net.SocketConstructorOpts);
    return { socket, resume: () => { if (!reader.full) socket.resume(); } };
  }
  let pending: Buffer | null = null;
  let stopped = false;
  const push = (chunk: Buffer): void => {
    let at = 0;
    while (at < chunk.length) {
      const n = chunk.copy(reader.readInto(), 0, at);
      at += n;
      if (!reader.onRead(n)) {
        stopped = true;
        accepted.pause();
        pending = at < chunk.length ? chunk.subarray(at) : null;
        return;
      }
    }
  };
  accepted.on('data', push);
  accepted.resume();
  return {
    socket: accepted,
    resume: () => {
      if (!stopped || reader.full) return;
      stopped = false;
      const p = pending;
      pending = null;
      if (p !== null) push(p);
      if (!stopped) accepted.resume();
    },
  };
}
