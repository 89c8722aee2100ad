// A KServe v2 client: HTTP/1.1 on keep-alive TCP connections (one per request in flight,
// TCP_NODELAY), binary tensor data in and out, response bodies bounded by what the model's outputs
// allow. It speaks HTTP itself rather than through node:http, which costs about three times the
// CPU per request on a 1.2 MB body (bench-runtime.mjs codec): the request line, headers, JSON header
// and tensors leave in one writev from the caller's buffers, and a response body with a
// Content-Length is read by the kernel straight into the one buffer that is handed back (the
// tensors are views into it) — no per-chunk buffers, no copy, no garbage.

import net from 'node:net';
import { SplitcError } from '@splitc/diagnostics';
import { HEADER_LENGTH, ProtocolError, decodeResponse, encodeRequest, type InferRequest, type InferResponse } from './codec.js';

export interface ClientOptions {
  /** Largest response body accepted, bytes. */
  readonly maxResponseBytes: number;
  /** Requests in flight at once (connections kept open). Default 4. */
  readonly window?: number;
  /** A request with no progress for this long fails. Default 5 s. */
  readonly timeoutMs?: number;
}

/** An HTTP response: status, headers (names in lower case) and the whole body. */
interface Reply { status: number; headers: Record<string, string>; body: Buffer }

export class InferenceClient {
  private readonly base: URL;
  private readonly host: string;
  private readonly port: number;
  private readonly window: number;
  readonly timeoutMs: number;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(baseUrl: string, readonly model: string, private readonly options: ClientOptions) {
    try {
      this.base = new URL(baseUrl);
    } catch {
      throw new SplitcError('Usage', `GPU server URL ${JSON.stringify(baseUrl)} is not a URL`, { field: 'gpuUrl' });
    }
    if (this.base.protocol !== 'http:') throw new SplitcError('Usage', `GPU server URL ${JSON.stringify(baseUrl)}: only http:// is supported`, { field: 'gpuUrl' });
    this.host = this.base.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = this.base.port === '' ? 80 : Number(this.base.port);
    this.window = options.window ?? 4;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  private request(method: 'GET' | 'POST', path: string, body?: { pieces: readonly Uint8Array[]; headers: Readonly<Record<string, string>> }, limit = 1 << 20): Promise<Reply> {
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.base.host}\r\n`;
    if (body !== undefined) for (const k in body.headers) head += `${k}: ${body.headers[k]}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => this.dispatch(new Job(head, body?.pieces ?? [], limit, resolve, reject)));
  }

  /** Start `job` on an idle connection, a new one (up to the window), or queue it. */
  dispatch(job: Job): void {
    if (this.closed) { job.reject(new Error('the client is closed')); return; }
    const c = this.idle.pop();
    if (c !== undefined) { c.start(job); return; }
    if (this.all.size < this.window) {
      const c = new Connection(this, this.host, this.port);
      this.all.add(c);
      c.start(job);
      return;
    }
    this.queue.push(job);
  }

  /** A connection finished its request and may be reused. */
  released(c: Connection): void {
    if (this.closed) { c.destroy(); return; }
    const next = this.queue.shift();
    if (next !== undefined) c.start(next);
    else this.idle.push(c);
  }

  /** A connection closed. */
  gone(c: Connection): void {
    this.all.delete(c);
    const at = this.idle.indexOf(c);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.queue.shift();
    if (next !== undefined) this.dispatch(next);
  }

  /** One inference; rejects with a one-line reason on any failure. */
  async infer(request: InferRequest): Promise<InferResponse> {
    const body = encodeRequest(request);
    let r;
    try {
      r = await this.request('POST', `/v2/models/${encodeURIComponent(this.model)}/infer`, body, this.options.maxResponseBytes);
    } catch (e) {
      throw new Error(describe(e));
    }
    if (r.status !== 200) {
      let msg = r.body.toString('utf8', 0, Math.min(r.body.length, 500));
      try { msg = (JSON.parse(r.body.toString('utf8')) as { error?: string }).error ?? msg; } catch { /* not JSON: keep the text */ }
      throw new Error(`HTTP ${r.status}: ${msg}`);
    }
    const h = r.headers[HEADER_LENGTH];
    return decodeResponse(r.body, Array.isArray(h) ? h[0] : h);
  }

  /** GET /v2/models/{model}: the server's metadata for the model (throws when it is not served). */
  async metadata(): Promise<{ name: string; inputs: { name: string; datatype: string; shape: number[] }[]; outputs: { name: string; datatype: string; shape: number[] }[] }> {
    let r;
    try {
      r = await this.request('GET', `/v2/models/${encodeURIComponent(this.model)}`);
    } catch (e) {
      throw new SplitcError('RemoteFailed', `${this.base.origin}: ${describe(e)}`);
    }
    if (r.status !== 200) throw new SplitcError('RemoteFailed', `${this.base.origin} does not serve model ${JSON.stringify(this.model)} (HTTP ${r.status})`);
    return JSON.parse(r.body.toString('utf8')) as Awaited<ReturnType<InferenceClient['metadata']>>;
  }

  close(): void {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('the client is closed'));
    this.idle.length = 0;
    for (const c of [...this.all]) c.destroy(new Error('the client is closed'));
  }
}

/** One request: its head and body pieces, the response limit, and where the answer goes. */
class Job {
  retried = false;
  constructor(readonly head: string, readonly pieces: readonly Uint8Array[], readonly limit: number, readonly resolve: (r: Reply) => void, readonly reject: (e: unknown) => void) {}
}

const MAX_HEAD = 65536;
const enum Mode { Head, Length, Chunked, ToEof }
const enum Chunk { Size, Data, DataEnd, Trailer }
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * One keep-alive connection. Response heads are read into a scratch buffer; a body with a
 * Content-Length goes into its own buffer, read there directly by the kernel (the socket's read
 * buffer is pointed at the unread rest of it); a chunked body, or one that ends with the
 * connection, is collected from the scratch buffer, bounded by the job's limit.
 */
class Connection {
  private readonly socket: net.Socket;
  private readonly scratch = Buffer.allocUnsafe(MAX_HEAD);
  private n = 0;
  private job: Job | null = null;
  private used = false;
  private reusable = true;
  private received = 0;
  private error: Error | null = null;
  private timedOut = false;
  private mode = Mode.Head;
  private status = 0;
  private headers: Record<string, string> = {};
  private body: Buffer | null = null;
  private got = 0;
  private parts: Buffer[] = [];
  private chunk = Chunk.Size;
  private remaining = 0;
  private line = '';

  constructor(private readonly client: InferenceClient, host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true, onread: { buffer: () => this.readInto(), callback: (n: number) => { this.onData(n); return true; } } });
    this.socket.setTimeout(client.timeoutMs);
    this.socket.on('timeout', () => {
      if (this.job !== null) { this.error = new Error(`no answer within ${this.client.timeoutMs} ms`); this.timedOut = true; }
      this.socket.destroy();
    });
    this.socket.on('error', (e: Error) => { this.error ??= e; });
    this.socket.on('end', () => { this.socket.destroy(); });
    this.socket.on('close', () => { this.closed(); });
  }

  start(job: Job): void {
    this.job = job;
    this.received = 0;
    const s = this.socket;
    s.cork();
    s.write(job.head, 'latin1');
    for (let i = 0; i < job.pieces.length; i++) s.write(job.pieces[i]!);
    s.uncork();
  }

  destroy(reason?: Error): void {
    if (reason !== undefined) this.error ??= reason;
    this.socket.destroy();
  }

  /** Where the next read goes: the rest of a Content-Length body, else the scratch buffer (never empty). */
  private readInto(): Uint8Array {
    if (this.mode === Mode.Length && this.body !== null) return this.body.subarray(this.got);
    return this.scratch.subarray(this.n);
  }

  private onData(nread: number): void {
    this.received += nread;
    if (this.job === null) { this.fail(new ProtocolError(502, 'the server sent bytes nobody asked for')); return; }
    if (this.mode === Mode.Length) {
      this.got += nread;
      if (this.got === this.body!.length) this.done(this.body!);
      return;
    }
    this.n += nread;
    if (this.mode === Mode.Head) this.parseHead();
    else this.feed(0, this.n);
  }

  private parseHead(): void {
    for (;;) {
      const end = this.scratch.subarray(0, this.n).indexOf('\r\n\r\n', 0, 'latin1');
      if (end < 0) {
        if (this.n >= this.scratch.length) this.fail(new ProtocolError(502, `the response head is longer than ${MAX_HEAD} bytes`));
        return;
      }
      const lines = this.scratch.toString('latin1', 0, end).split('\r\n');
      const m = /^HTTP\/1\.([01]) ([0-9]{3})(?: .*)?$/.exec(lines[0]!);
      if (m === null) { this.fail(new ProtocolError(502, `the server did not answer HTTP/1.1: ${JSON.stringify(lines[0]!.slice(0, 80))}`)); return; }
      const headers: Record<string, string> = {};
      for (let i = 1; i < lines.length; i++) {
        const l = lines[i]!;
        const colon = l.indexOf(':');
        const name = colon > 0 ? l.slice(0, colon).toLowerCase() : '';
        if (!TOKEN.test(name)) { this.fail(new ProtocolError(502, `malformed response header ${JSON.stringify(l.slice(0, 80))}`)); return; }
        const value = l.slice(colon + 1).trim();
        if (name in headers && name === 'content-length' && headers[name] !== value) { this.fail(new ProtocolError(502, 'the response has two different Content-Length headers')); return; }
        headers[name] = name in headers && name !== 'content-length' ? `${headers[name]}, ${value}` : value;
      }
      const status = Number(m[2]);
      // Drop what the head took from the scratch buffer.
      this.scratch.copy(this.scratch, 0, end + 4, this.n);
      this.n -= end + 4;
      if (status >= 100 && status < 200) continue; // an interim response (100 Continue): the real one follows
      this.status = status;
      this.headers = headers;
      if (m[1] === '0' || /(?:^|,)\s*close\s*(?:,|$)/i.test(headers.connection ?? '')) this.reusable = false;
      const limit = this.job!.limit;
      const te = headers['transfer-encoding'];
      const cl = headers['content-length'];
      if (status === 204 || status === 304) {
        this.begin(Mode.Length, 0);
      } else if (te !== undefined) {
        if (!/(?:^|,)\s*chunked\s*$/i.test(te)) { this.fail(new ProtocolError(502, `unsupported Transfer-Encoding ${JSON.stringify(te.slice(0, 40))}`)); return; }
        this.begin(Mode.Chunked, 0);
      } else if (cl !== undefined) {
        if (!/^[0-9]{1,15}$/.test(cl)) { this.fail(new ProtocolError(502, `the response's Content-Length ${JSON.stringify(cl.slice(0, 40))} is not a byte count`)); return; }
        const declared = Number(cl);
        if (declared > limit) { this.fail(new ProtocolError(502, `the response is ${declared} bytes, more than the ${limit} the model's outputs allow`)); return; }
        this.begin(Mode.Length, declared);
      } else {
        this.reusable = false;
        this.begin(Mode.ToEof, 0);
      }
      return;
    }
  }

  /** The head is parsed; the first `this.n` bytes of the scratch buffer are the body's start. */
  private begin(mode: Mode, length: number): void {
    this.mode = mode;
    if (mode === Mode.Length) {
      this.body = Buffer.allocUnsafe(length);
      const take = Math.min(this.n, length);
      this.scratch.copy(this.body, 0, 0, take);
      if (this.n > length) this.reusable = false; // more than the body: nothing we can trust after it
      this.got = take;
      this.n = 0;
      if (this.got === length) this.done(this.body);
      return;
    }
    this.parts = [];
    this.got = 0;
    this.chunk = Chunk.Size;
    this.line = '';
    const n = this.n;
    this.n = 0;
    this.feed(0, n);
  }

  /** Bytes [from, to) of the scratch buffer belong to a chunked or read-to-end body. */
  private feed(from: number, to: number): void {
    this.n = 0;
    const limit = this.job!.limit;
    const b = this.scratch;
    if (this.mode === Mode.ToEof) {
      if (this.got + (to - from) > limit) { this.fail(new ProtocolError(502, 'the response is longer than declared or allowed')); return; }
      this.parts.push(Buffer.from(b.subarray(from, to)));
      this.got += to - from;
      return;
    }
    let i = from;
    while (i < to) {
      switch (this.chunk) {
        case Chunk.Size:
        case Chunk.Trailer: {
          const nl = b.indexOf(10, i);
          const stop = nl < 0 || nl >= to ? to : nl;
          this.line += b.toString('latin1', i, stop);
          if (this.line.length > 4096) { this.fail(new ProtocolError(502, 'a chunk-size or trailer line longer than 4096 bytes')); return; }
          i = stop;
          if (stop === to) break;
          i++;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          if (this.chunk === Chunk.Trailer) {
            if (line === '') {
              if (i < to) this.reusable = false; // bytes after the body: nothing we can trust after it
              this.done(Buffer.concat(this.parts, this.got));
              return;
            }
            break;
          }
          const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
          if (size === null) { this.fail(new ProtocolError(502, `malformed chunk size ${JSON.stringify(line.slice(0, 40))}`)); return; }
          this.remaining = parseInt(size[1]!, 16);
          if (this.remaining === 0) this.chunk = Chunk.Trailer;
          else if (this.got + this.remaining > limit) { this.fail(new ProtocolError(502, 'the response is longer than declared or allowed')); return; }
          else this.chunk = Chunk.Data;
          break;
        }
        case Chunk.Data: {
          const take = Math.min(this.remaining, to - i);
          this.parts.push(Buffer.from(b.subarray(i, i + take)));
          this.got += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) { this.chunk = Chunk.DataEnd; this.remaining = 2; }
          break;
        }
        case Chunk.DataEnd: {
          if (b[i] !== (this.remaining === 2 ? 13 : 10)) { this.fail(new ProtocolError(502, 'a chunk does not end with CRLF')); return; }
          i++;
          if (--this.remaining === 0) this.chunk = Chunk.Size;
          break;
        }
      }
    }
  }

  private reset(): Job | null {
    const job = this.job;
    this.job = null;
    this.mode = Mode.Head;
    this.body = null;
    this.parts = [];
    this.got = 0;
    this.n = 0;
    return job;
  }

  private done(body: Buffer): void {
    const status = this.status;
    const headers = this.headers;
    const job = this.reset()!;
    this.used = true;
    if (this.reusable) this.client.released(this);
    else this.socket.destroy();
    job.resolve({ status, headers, body });
  }

  private fail(e: Error): void {
    this.error = e;
    this.reusable = false;
    this.socket.destroy();
  }

  private closed(): void {
    const mode = this.mode;
    const parts = this.parts;
    const got = this.got;
    const received = this.received;
    const wasUsed = this.used;
    const job = this.reset();
    this.client.gone(this);
    if (job === null) return;
    if (this.error === null && mode === Mode.ToEof) { job.resolve({ status: this.status, headers: this.headers, body: Buffer.concat(parts, got) }); return; }
    const e = this.error ?? new ProtocolError(502, received === 0 ? 'the server closed the connection without answering' : 'the server closed the connection mid-response');
    // A kept-alive connection the server had just closed: send once more on a new one.
    if (wasUsed && received === 0 && !job.retried && !this.timedOut && this.error?.message !== 'the client is closed') {
      job.retried = true;
      this.client.dispatch(job);
      return;
    }
    job.reject(e);
  }
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'connection reset by the server';
  return err.message ?? String(e);
}
