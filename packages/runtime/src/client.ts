// A KServe v2 client: HTTP/1.1 on keep-alive TCP connections (one per request in flight,
// TCP_NODELAY), binary tensor data in and out, response bodies bounded by what the model's outputs
// allow. It speaks HTTP itself (./http1.ts) rather than through node:http, which costs about three
// times the CPU per request on a 1.2 MB body (bench-runtime.mjs codec): the request line, headers,
// JSON header and tensors leave in one writev from the caller's buffers, and a response body with a
// Content-Length is read by the kernel straight into the one buffer that is handed back (the
// tensors are views into it) — no per-chunk buffers, no copy, no garbage.

import net from 'node:net';
import { SplitcError } from '@splitc/diagnostics';
import { HEADER_LENGTH, ProtocolError, decodeResponse, encodeRequest, type InferRequest, type InferResponse } from './codec.js';
import { MAX_HEAD_BYTES, MessageReader, hasToken, writeMessage, type BodyPlan, type FramingError, type Head, type MessageHandler } from './http1.js';

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

/**
 * One keep-alive connection, read through a MessageReader (./http1.ts): a response body with a
 * Content-Length goes into its own buffer, read there directly by the kernel; a chunked body, or
 * one that ends with the connection, is collected into a buffer of the job's limit.
 */
class Connection implements MessageHandler {
  private readonly socket: net.Socket;
  private readonly reader = new MessageReader(this);
  private job: Job | null = null;
  private used = false;
  private reusable = true;
  private received = 0;
  private error: Error | null = null;
  private timedOut = false;
  private interim = false;
  private status = 0;
  private headers: Readonly<Record<string, string>> = {};

  constructor(private readonly client: InferenceClient, host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true, onread: { buffer: () => this.reader.readInto(), callback: (n: number) => this.onData(n) } });
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
    this.reader.next();
    writeMessage(this.socket, job.head, job.pieces);
  }

  destroy(reason?: Error): void {
    if (reason !== undefined) this.error ??= reason;
    this.socket.destroy();
  }

  private onData(nread: number): boolean {
    this.received += nread;
    if (this.job === null) { this.fail(new ProtocolError(502, 'the server sent bytes nobody asked for')); return false; }
    return this.reader.onRead(nread);
  }

  head(head: Head): BodyPlan | null {
    const m = /^HTTP\/1\.([01]) ([0-9]{3})(?: .*)?$/.exec(head.line);
    if (m === null) { this.fail(new ProtocolError(502, `the server did not answer HTTP/1.1: ${JSON.stringify(head.line.slice(0, 80))}`)); return null; }
    const status = Number(m[2]);
    const headers = head.headers;
    // An interim response (100 Continue): the real one follows.
    if (status >= 100 && status < 200) { this.interim = true; return { kind: 'none' }; }
    this.status = status;
    this.headers = headers;
    if (m[1] === '0' || hasToken(headers.connection, 'close')) this.reusable = false;
    const limit = this.job!.limit;
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (status === 204 || status === 304) return { kind: 'none' };
    if (te !== undefined) {
      if (te.toLowerCase() !== 'chunked') { this.fail(new ProtocolError(502, `unsupported Transfer-Encoding ${JSON.stringify(te.slice(0, 40))}`)); return null; }
      return { kind: 'chunked', into: Buffer.allocUnsafe(limit) };
    }
    if (cl !== undefined) {
      if (!/^[0-9]{1,15}$/.test(cl)) { this.fail(new ProtocolError(502, `the response's Content-Length ${JSON.stringify(cl.slice(0, 40))} is not a byte count`)); return null; }
      const declared = Number(cl);
      if (declared > limit) { this.fail(new ProtocolError(502, `the response is ${declared} bytes, more than the ${limit} the model's outputs allow`)); return null; }
      return { kind: 'length', into: Buffer.allocUnsafe(declared) };
    }
    this.reusable = false;
    return { kind: 'eof', into: Buffer.allocUnsafe(limit) };
  }

  body(body: Buffer): void {
    if (this.interim) { this.interim = false; this.reader.next(); return; }
    // More than the body: nothing we can trust after it.
    if (this.reader.buffered > 0) this.reusable = false;
    const { status, headers } = this;
    const job = this.job!;
    this.job = null;
    this.used = true;
    if (this.reusable) this.client.released(this);
    else this.socket.destroy();
    job.resolve({ status, headers, body });
  }

  failed(e: FramingError): void {
    this.fail(new ProtocolError(502, e.kind === 'body' ? 'the response is longer than declared or allowed' : e.kind === 'head' ? `the response head is longer than ${MAX_HEAD_BYTES} bytes` : `the response has ${e.message}`));
  }

  private fail(e: Error): void {
    this.error = e;
    this.reusable = false;
    this.reader.kill();
    this.socket.destroy();
  }

  private closed(): void {
    // A body that ends with the connection is complete now (body() resolves the job).
    if (this.error === null && this.job !== null) this.reader.end();
    this.reader.kill();
    const job = this.job;
    this.job = null;
    this.client.gone(this);
    if (job === null) return;
    const e = this.error ?? new ProtocolError(502, this.received === 0 ? 'the server closed the connection without answering' : 'the server closed the connection mid-response');
    // A kept-alive connection the server had just closed: send once more on a new one.
    if (this.used && this.received === 0 && !job.retried && !this.timedOut && this.error?.message !== 'the client is closed') {
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
