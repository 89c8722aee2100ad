// A KServe v2 client on node:http: one keep-alive connection per request in flight, TCP_NODELAY,
// binary tensor data in and out, response bodies bounded by what the model's outputs allow.

import http from 'node:http';
import type { Socket } from 'node:net';
import { SplitcError } from '@splitc/diagnostics';
import { HEADER_LENGTH, ProtocolError, decodeResponse, encodeRequest, type InferRequest, type InferResponse } from './codec.js';

export interface ClientOptions {
  /** Largest response body accepted, bytes. */
  readonly maxResponseBytes: number;
  /** Requests in flight at once (sockets kept open). Default 4. */
  readonly window?: number;
  /** A request with no progress for this long fails. Default 5 s. */
  readonly timeoutMs?: number;
}

export class InferenceClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, readonly model: string, private readonly options: ClientOptions) {
    try {
      this.base = new URL(baseUrl);
    } catch {
      throw new SplitcError('Usage', `GPU server URL ${JSON.stringify(baseUrl)} is not a URL`, { field: 'gpuUrl' });
    }
    if (this.base.protocol !== 'http:') throw new SplitcError('Usage', `GPU server URL ${JSON.stringify(baseUrl)}: only http:// is supported`, { field: 'gpuUrl' });
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.window ?? 4, noDelay: true });
  }

  private request(method: string, path: string, body?: { pieces: readonly Uint8Array[]; headers: Readonly<Record<string, string>> }, limit = 1 << 20): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timeout = this.options.timeoutMs ?? 5000;
      const req = http.request({ host: this.base.hostname, port: this.base.port, method, path, agent: this.agent, headers: body?.headers ?? {}, timeout });
      (req as WithCall)[kCall] = new ClientCall(limit, timeout, resolve, reject);
      req.on('response', onResponse);
      req.on('socket', onSocket);
      req.on('timeout', onTimeout);
      req.on('error', onRequestError);
      if (body !== undefined) {
        // Corked: request line, headers, the JSON header and the tensors leave in one writev,
        // the tensors from the caller's buffers (never concatenated).
        const pieces = body.pieces;
        req.cork();
        for (let i = 0; i < pieces.length; i++) req.write(pieces[i]);
        req.end();
        req.uncork();
      } else {
        req.end();
      }
    });
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
    this.agent.destroy();
  }
}

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

const kCall = Symbol('splitc.clientCall');
type WithCall = { [kCall]?: ClientCall };

/**
 * One request's answer being read: into one buffer of the declared Content-Length (checked against
 * `limit` before a byte is read), or, without a Content-Length, collected up to `limit`.
 */
class ClientCall {
  private buf: Buffer | null = null;
  private chunks: Buffer[] | null = null;
  private got = 0;
  private settled = false;
  private res: http.IncomingMessage | null = null;

  constructor(private readonly limit: number, readonly timeoutMs: number, private readonly resolve: (r: Reply) => void, private readonly reject: (e: unknown) => void) {}

  response(res: http.IncomingMessage): void {
    this.res = res;
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > this.limit) {
      this.failed(new ProtocolError(502, `the response is ${declared} bytes, more than the ${this.limit} the model's outputs allow`));
      res.destroy();
      return;
    }
    if (Number.isFinite(declared)) this.buf = Buffer.allocUnsafe(declared);
    else this.chunks = [];
    (res as WithCall)[kCall] = this;
    res.on('data', onResponseData);
    res.on('end', onResponseEnd);
    res.on('error', onResponseError);
    res.on('aborted', onResponseAborted);
  }

  data(c: Buffer): void {
    if (this.settled) return;
    if (this.got + c.length > (this.buf?.length ?? this.limit)) {
      this.failed(new ProtocolError(502, 'the response is longer than declared or allowed'));
      this.res?.destroy();
      return;
    }
    if (this.buf !== null) c.copy(this.buf, this.got);
    else this.chunks!.push(c);
    this.got += c.length;
  }

  end(): void {
    if (this.settled) return;
    if (this.buf !== null && this.got !== this.buf.length) { this.failed(new ProtocolError(502, `the response ended after ${this.got} of ${this.buf.length} bytes`)); return; }
    this.settled = true;
    const res = this.res!;
    this.resolve({ status: res.statusCode ?? 0, headers: res.headers, body: this.buf ?? Buffer.concat(this.chunks!, this.got) });
  }

  failed(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(e);
  }
}

// Listeners shared by every request: the emitter is `this`, its call hangs off it.
function onResponse(this: http.ClientRequest, res: http.IncomingMessage): void { (this as WithCall)[kCall]!.response(res); }
function onSocket(this: http.ClientRequest, s: Socket): void { s.setNoDelay(true); }
function onTimeout(this: http.ClientRequest): void { this.destroy(new Error(`no answer within ${(this as WithCall)[kCall]!.timeoutMs} ms`)); }
function onRequestError(this: http.ClientRequest, e: Error): void { (this as WithCall)[kCall]!.failed(e); }
function onResponseData(this: http.IncomingMessage, c: Buffer): void { (this as WithCall)[kCall]!.data(c); }
function onResponseEnd(this: http.IncomingMessage): void { (this as WithCall)[kCall]!.end(); }
function onResponseError(this: http.IncomingMessage, e: Error): void { (this as WithCall)[kCall]!.failed(e); }
function onResponseAborted(this: http.IncomingMessage): void { (this as WithCall)[kCall]!.failed(new ProtocolError(502, 'the server closed the connection mid-response')); }

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'connection reset by the server';
  return err.message ?? String(e);
}
