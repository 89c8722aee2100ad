// A KServe v2 inference server on node:http for one model: health, metadata and infer. Bodies are
// bounded by the model's input shapes; a malformed, truncated or oversized request gets a 4xx with
// a KServe error body and the server keeps serving; a client that goes away costs nothing.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { elementCount, SplitcError } from '@splitc/diagnostics';
import { batchedShape } from '@splitc/ir/seam';
import { DATATYPE_BYTES, HEADER_LENGTH, ProtocolError, decodeRequest, encodeResponse, type Datatype, type EncodedBody, type InferRequest, type WireData } from './codec.js';

export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  /** Shape with the batch first: requests may carry 1..shape[0] frames. */
  readonly shape: readonly number[];
}

export interface ModelSpec {
  readonly name: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/**
 * Runs one validated request (its inputs in the spec's order; `arrival`: performance.now() when its
 * body was complete); returns every output and the milliseconds spent computing.
 */
export type Executor = (inputs: readonly WireData[], frames: number, arrival: number) => Promise<{ readonly outputs: readonly WireData[]; readonly computeMs: number }>;

export interface ServerOptions {
  readonly model: ModelSpec;
  readonly execute: Executor;
  /** Requests executed at once (GPU execution contexts). Default 1. */
  readonly contexts?: number;
  /** Requests waiting for a context before new ones get 503. Default 64. */
  readonly maxPending?: number;
  readonly maxHeaderBytes?: number;
  /** Milliseconds a request may take to arrive completely. Default 10 s. */
  readonly requestTimeoutMs?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  close(): Promise<void>;
}

const MAX_HEADER_BYTES = 65536;

function errorBody(message: string): EncodedBody {
  const b = Buffer.from(JSON.stringify({ error: message }), 'utf8');
  return { pieces: [b], length: b.length, headers: { 'content-type': 'application/json', 'content-length': String(b.length) } };
}

function send(res: http.ServerResponse, status: number, body: EncodedBody, close = false): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, close ? { ...body.headers, connection: 'close' } : body.headers);
  // Corked: the status line, headers, JSON header and every tensor go to the socket in one writev;
  // the tensors are written from the caller's buffers, never concatenated.
  const pieces = body.pieces;
  if (pieces.length === 1) { res.end(pieces[0]); return; }
  res.cork();
  for (let i = 0; i < pieces.length; i++) res.write(pieces[i]);
  res.end();
  res.uncork();
}

const jsonBody = (x: unknown): EncodedBody => {
  const b = Buffer.from(JSON.stringify(x), 'utf8');
  return { pieces: [b], length: b.length, headers: { 'content-type': 'application/json', 'content-length': String(b.length) } };
};

/** Check a decoded request against the model; returns inputs in the spec's order and the frame count. */
export function validateRequest(req: InferRequest, model: ModelSpec): { inputs: WireData[]; frames: number } {
  const byName = new Map(req.inputs.map((t) => [t.name, t]));
  for (const t of req.inputs) if (!model.inputs.some((s) => s.name === t.name)) throw new ProtocolError(400, `unexpected input ${JSON.stringify(t.name)}; the model's inputs are ${model.inputs.map((s) => JSON.stringify(s.name)).join(', ')}`);
  let frames = -1;
  const inputs = model.inputs.map((s) => {
    const t = byName.get(s.name);
    if (t === undefined) throw new ProtocolError(400, `missing input ${JSON.stringify(s.name)}`);
    if (t.datatype !== s.datatype) throw new ProtocolError(400, `input ${JSON.stringify(s.name)} is ${t.datatype}, expected ${s.datatype}`);
    const n = t.shape[0] ?? 0;
    const ok = t.shape.length === s.shape.length && n >= 1 && n <= s.shape[0]! && t.shape.every((d, i) => i === 0 || d === s.shape[i]);
    if (!ok) throw new ProtocolError(400, `input ${JSON.stringify(s.name)} has shape [${t.shape.join(',')}], expected [1..${s.shape[0]},${s.shape.slice(1).join(',')}]`);
    if (frames !== -1 && n !== frames) throw new ProtocolError(400, `inputs disagree on the number of frames (${frames} and ${n})`);
    frames = n;
    return t;
  });
  for (const o of req.outputs ?? []) if (!model.outputs.some((s) => s.name === o.name)) throw new ProtocolError(400, `unknown output ${JSON.stringify(o.name)}`);
  return { inputs, frames: Math.max(frames, 1) };
}

/** The largest request body the model can need (binary tensors plus the JSON header). */
export function maxRequestBytes(model: ModelSpec, maxHeaderBytes = MAX_HEADER_BYTES): number {
  return model.inputs.reduce((n, s) => n + elementCount(s.shape) * DATATYPE_BYTES[s.datatype], maxHeaderBytes);
}

/**
 * Request bodies are read into buffers of the largest size the model allows, reused once the
 * answer has left: at most one per request being read, executed or answered, so memory stays flat
 * and the garbage collector does not see a megabyte per request.
 */
class BodyPool {
  private readonly free: Buffer[] = [];
  constructor(private readonly size: number, private readonly keep: number) {}
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }
  give(b: Buffer): void {
    if (this.free.length < this.keep) this.free.push(b);
  }
}

/** A counting semaphore: at most `n` holders, at most `maxWaiting` waiters. */
class Contexts {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number, private readonly maxWaiting: number) { this.free = n; }
  acquire(): Promise<void> | null {
    if (this.free > 0) { this.free--; return Promise.resolve(); }
    if (this.waiting.length >= this.maxWaiting) return null;
    return new Promise((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.free++;
  }
}

interface ServerContext {
  readonly model: ModelSpec;
  readonly limit: number;
  readonly maxHeader: number;
  readonly pool: BodyPool;
  readonly contexts: Contexts;
  readonly execute: Executor;
}

const kCall = Symbol('splitc.inferCall');
type WithCall = { [kCall]?: InferCall };

// Listeners shared by every request (no closures per request or per chunk): the emitter is `this`
// and its call hangs off it.
function onRequestData(this: http.IncomingMessage, chunk: Buffer): void { (this as WithCall)[kCall]!.data(chunk); }
function onRequestEnd(this: http.IncomingMessage): void { (this as WithCall)[kCall]!.end(); }
function onRequestError(this: http.IncomingMessage, e: Error): void { (this as WithCall)[kCall]!.readFailed(e); }
function onRequestAborted(this: http.IncomingMessage): void { (this as WithCall)[kCall]!.readFailed(new ProtocolError(400, 'the client went away mid-request')); }
function onResponseClose(this: http.ServerResponse): void { (this as WithCall)[kCall]!.responseClosed(); }

/**
 * One inference request. The body is read straight into one buffer from the pool (sized for the
 * largest request the model allows; the Content-Length, when given, is checked before a byte is
 * read); tensors are views into it. The buffer goes back to the pool once the executor is done
 * with the inputs and the response has left (or the connection closed), so an executor may even
 * answer with views of its inputs.
 */
class InferCall {
  private backing: Buffer | null = null;
  private got = 0;
  private max = 0;
  private declared = false;
  private reading = true;
  /** The executor still holds the inputs, the response has not closed: each clears one. */
  private holds = 2;

  constructor(private readonly ctx: ServerContext, private readonly req: http.IncomingMessage, private readonly res: http.ServerResponse, private readonly fail: (e: unknown) => void) {}

  start(): void {
    const declared = this.req.headers['content-length'];
    if (declared !== undefined) {
      const n = Number(declared);
      if (!Number.isSafeInteger(n) || n < 0) { this.reading = false; this.fail(new ProtocolError(400, 'Content-Length is not a byte count')); return; }
      if (n > this.ctx.limit) { this.reading = false; this.fail(new ProtocolError(413, `the body is ${n} bytes, more than the ${this.ctx.limit} this model's inputs allow`)); return; }
      this.max = n;
      this.declared = true;
    } else {
      this.max = this.ctx.limit;
    }
    this.backing = this.ctx.pool.take();
    (this.req as WithCall)[kCall] = this;
    (this.res as WithCall)[kCall] = this;
    this.req.on('data', onRequestData);
    this.req.on('end', onRequestEnd);
    this.req.on('error', onRequestError);
    this.req.on('aborted', onRequestAborted);
    this.res.on('close', onResponseClose);
  }

  data(c: Buffer): void {
    if (!this.reading) return;
    if (this.got + c.length > this.max) {
      this.readFailed(new ProtocolError(413, `the body is more than the ${this.max} bytes ${this.declared ? 'declared' : 'this model allows'}`));
      return;
    }
    c.copy(this.backing!, this.got);
    this.got += c.length;
  }

  readFailed(e: unknown): void {
    if (!this.reading) return;
    this.reading = false;
    this.holds = 0;
    this.release();
    this.fail(e);
  }

  end(): void {
    if (!this.reading) return;
    this.reading = false;
    this.run().then(() => this.drop(), (e: unknown) => { this.drop(); this.fail(e); });
  }

  responseClosed(): void {
    if (this.reading) this.readFailed(new ProtocolError(400, 'the client went away mid-request'));
    else if (this.holds > 0) this.drop();
  }

  private drop(): void {
    if (--this.holds === 0) this.release();
  }

  private release(): void {
    if (this.backing !== null) this.ctx.pool.give(this.backing);
    this.backing = null;
  }

  private async run(): Promise<void> {
    const { ctx, req, res } = this;
    const arrival = performance.now();
    const header = req.headers[HEADER_LENGTH];
    const decoded = decodeRequest(this.backing!.subarray(0, this.got), Array.isArray(header) ? header[0] : header, ctx.maxHeader);
    const { inputs, frames } = validateRequest(decoded, ctx.model);
    const slot = ctx.contexts.acquire();
    if (slot === null) throw new ProtocolError(503, 'too many requests waiting; retry later');
    await slot;
    let result;
    try {
      result = await ctx.execute(inputs, frames, arrival);
    } finally {
      ctx.contexts.release();
    }
    const wanted = decoded.outputs;
    const outputs = wanted === undefined ? result.outputs : result.outputs.filter((o) => wanted.some((w) => w.name === o.name));
    const binary = wanted === undefined ? 'all' as const : new Set(wanted.filter((w) => w.binary).map((w) => w.name));
    send(res, 200, encodeResponse({ modelName: ctx.model.name, ...(decoded.id !== undefined ? { id: decoded.id } : {}), outputs, parameters: { splitc_compute_ms: result.computeMs } }, binary));
  }
}

/** Start serving `model` on host:port (port 0 picks a free one). */
export async function startServer(options: ServerOptions, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const { model } = options;
  const base = `/v2/models/${encodeURIComponent(model.name)}`;
  const maxHeader = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  const limit = maxRequestBytes(model, maxHeader);
  const contexts = new Contexts(options.contexts ?? 1, options.maxPending ?? 64);
  const pool = new BodyPool(limit, (options.contexts ?? 1) + 4);
  // Model metadata: the batch dimension is -1, any number of frames up to the seam's batch.
  const metadata = {
    name: model.name, versions: ['1'], platform: 'splitc',
    inputs: model.inputs.map((s) => ({ name: s.name, datatype: s.datatype, shape: batchedShape(s.shape, -1) })),
    outputs: model.outputs.map((s) => ({ name: s.name, datatype: s.datatype, shape: batchedShape(s.shape, -1) })),
  };

  const context: ServerContext = { model, limit, maxHeader, pool, contexts, execute: options.execute };

  const server = http.createServer({ noDelay: true, requestTimeout: options.requestTimeoutMs ?? 10_000, headersTimeout: Math.min(10_000, options.requestTimeoutMs ?? 10_000), keepAliveTimeout: 30_000, connectionsCheckingInterval: 500 }, (req, res) => {
    const url = (req.url ?? '').split('?')[0]!;
    const fail = (e: unknown): void => {
      if (e instanceof ProtocolError) {
        // After a refused body the rest of it may still be on the socket: close the connection.
        send(res, e.status, errorBody(e.message), e.status === 413 || e.status === 400);
        if (e.status === 413) req.resume();
        return;
      }
      send(res, 500, errorBody(`internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`));
    };
    try {
      if (req.method === 'GET' && (url === '/v2/health/live' || url === '/v2/health/ready' || url === `${base}/ready` || url === '/v2')) {
        send(res, 200, jsonBody(url === '/v2' ? { name: 'splitc', version: '1', extensions: ['binary_tensor_data'] } : { live: true, ready: true }));
      } else if (req.method === 'GET' && (url === base || url === `${base}/versions/1`)) {
        send(res, 200, jsonBody(metadata));
      } else if (req.method === 'POST' && (url === `${base}/infer` || url === `${base}/versions/1/infer`)) {
        new InferCall(context, req, res, fail).start();
      } else if (url.startsWith('/v2/models/')) {
        req.resume();
        send(res, 404, errorBody(`unknown model or endpoint ${JSON.stringify(url.slice(0, 200))}; this server serves ${JSON.stringify(model.name)}`));
      } else {
        req.resume();
        send(res, 404, errorBody(`not found: ${JSON.stringify(url.slice(0, 200))}`));
      }
    } catch (e) {
      fail(e);
    }
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (e: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) { socket.destroy(); return; }
    const timeout = e.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const body = JSON.stringify({ error: timeout ? 'the request did not arrive in time' : 'malformed HTTP request' });
    socket.end(`HTTP/1.1 ${timeout ? '408 Request Timeout' : '400 Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => reject(new SplitcError('ServeFailed', `${host}:${port}: ${e.code ?? e.message}`));
    server.once('error', onError);
    server.listen(port, host, () => { server.off('error', onError); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
    port: addr.port,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}
