// A KServe v2 inference server for one model: health, metadata and infer, over HTTP/1.1 on plain
// TCP (./http1.ts: a request body is read by the kernel straight into a pooled buffer, and the
// tensors are views into it). Bodies are bounded by the model's input shapes; a malformed,
// truncated or oversized request gets a 4xx with a KServe error body and the server keeps serving;
// a client that goes away, or stalls, costs nothing.

import net, { type AddressInfo } from 'node:net';
import { elementCount, SplitcError } from '@splitc/diagnostics';
import { batchedShape } from '@splitc/ir/seam';
import { DATATYPE_BYTES, HEADER_LENGTH, ProtocolError, decodeRequest, encodeResponse, type Datatype, type EncodedBody, type InferRequest, type WireData } from './codec.js';
import { FramingError, MAX_HEAD_BYTES, MessageReader, hasToken, readAccepted, writeMessage, type BodyPlan, type Head, type MessageHandler, type ReadingSocket } from './http1.js';

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
  /** Milliseconds an idle kept-alive connection stays open. Default 30 s. */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Read bodies straight into their buffers (default), or copy them out of the chunks Node reads
   * (the portable path, used anyway where the direct one is unavailable). For tests and benchmarks.
   */
  readonly directReads?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: net.Server;
  close(): Promise<void>;
}

const MAX_HEADER_BYTES = 65536;

function errorBody(message: string): EncodedBody {
  const b = Buffer.from(JSON.stringify({ error: message }), 'utf8');
  return { pieces: [b], length: b.length, headers: { 'content-type': 'application/json', 'content-length': String(b.length) } };
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
  readonly base: string;
  readonly metadata: unknown;
  readonly limit: number;
  readonly maxHeader: number;
  readonly pool: BodyPool;
  readonly contexts: Contexts;
  readonly execute: Executor;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly direct: boolean;
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 400: 'Bad Request', 404: 'Not Found', 408: 'Request Timeout', 413: 'Content Too Large',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable',
};
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.([01])$/;
/** How long a connection closed after a refusal keeps draining what the client still sends. */
const LINGER_MS = 2000;

/**
 * One inference request's body buffer (from the pool; the tensors are views into it). It goes back
 * to the pool once the executor is done with the inputs and the answer has left (or the connection
 * closed), so an executor may even answer with views of its inputs.
 */
class BodyLease {
  private holds = 2;
  constructor(private readonly pool: BodyPool, readonly buffer: Buffer) {}
  /** One of the two holders (the executor, the response) is done with the buffer. */
  drop(): void {
    if (--this.holds === 0) this.pool.give(this.buffer);
  }
}

/**
 * One connection: reads a request (head, then body), answers it, then reads the next — one at a
 * time, in order; a request that arrives early waits in the reader's buffer.
 */
class Connection implements MessageHandler {
  private readonly reader: MessageReader;
  private readonly io: ReadingSocket;
  private readonly socket: net.Socket;
  /** From a request's first byte until its body is complete. */
  private arriving = false;
  /** From a request's first byte until its answer is written. */
  private busy = false;
  private keepAlive = true;
  private closing = false;
  /** The client closed its side: answer what it sent, then close. */
  private ended = false;
  private timer: NodeJS.Timeout | null = null;
  private lease: BodyLease | null = null;
  private headerLength: string | undefined;
  private answer: { status: number; body: EncodedBody } | null = null;

  constructor(private readonly ctx: ServerContext, accepted: net.Socket, private readonly gone: (c: Connection) => void) {
    this.reader = new MessageReader(this);
    const reader = this.reader;
    this.io = readAccepted(accepted, { readInto: () => reader.readInto(), onRead: (n) => this.onRead(n), get full() { return reader.full; } }, ctx.direct);
    const s = this.io.socket;
    this.socket = s;
    s.setNoDelay(true);
    s.setTimeout(ctx.keepAliveTimeoutMs);
    s.on('timeout', () => { if (!this.busy) s.destroy(); });
    s.on('error', () => undefined); // 'close' follows
    s.on('end', () => this.peerEnded());
    s.on('close', () => this.closed());
  }

  destroy(): void { this.socket.destroy(); }

  private onRead(n: number): boolean {
    if (!this.busy && !this.closing) this.starting();
    return this.reader.onRead(n);
  }

  /** A request's first byte: it must arrive completely within the request timeout. */
  private starting(): void {
    this.busy = true;
    this.arriving = true;
    this.timer = setTimeout(() => this.timedOut(), this.ctx.requestTimeoutMs);
  }

  private arrived(): void {
    this.arriving = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private peerEnded(): void {
    this.ended = true;
    if (this.arriving) this.refuse(400, 'the client closed its side before the request was complete');
    else if (!this.busy) this.shut();
  }

  private timedOut(): void {
    this.timer = null;
    if (this.arriving) this.refuse(408, 'the request did not arrive in time');
  }

  head(head: Head): BodyPlan | null {
    const { ctx } = this;
    const m = REQUEST_LINE.exec(head.line);
    if (m === null) { this.refuse(400, `malformed HTTP request: the request line is ${JSON.stringify(head.line.slice(0, 80))}`); return null; }
    const h = head.headers;
    this.keepAlive = m[3] === '1' && !hasToken(h.connection, 'close');
    const te = h['transfer-encoding'];
    const cl = h['content-length'];
    if (te !== undefined && te.toLowerCase() !== 'chunked') { this.refuse(400, `malformed HTTP request: unsupported Transfer-Encoding ${JSON.stringify(te.slice(0, 40))}`); return null; }
    if (cl !== undefined && !/^[0-9]{1,15}$/.test(cl)) { this.refuse(400, 'Content-Length is not a byte count'); return null; }
    const declared = cl === undefined ? 0 : Number(cl);
    const url = m[2]!.split('?')[0]!;
    const method = m[1]!;
    const { base } = ctx;
    if (method === 'POST' && (url === `${base}/infer` || url === `${base}/versions/1/infer`)) {
      if (declared > ctx.limit) { this.refuse(413, `the body is ${declared} bytes, more than the ${ctx.limit} this model's inputs allow`); return null; }
      this.lease = new BodyLease(ctx.pool, ctx.pool.take());
      this.headerLength = h[HEADER_LENGTH];
      if (hasToken(h.expect, '100-continue')) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
      return te !== undefined ? { kind: 'chunked', into: this.lease.buffer } : { kind: 'length', into: this.lease.buffer.subarray(0, declared) };
    }
    if (method === 'GET' && (url === '/v2/health/live' || url === '/v2/health/ready' || url === `${base}/ready` || url === '/v2')) {
      this.answer = { status: 200, body: jsonBody(url === '/v2' ? { name: 'splitc', version: '1', extensions: ['binary_tensor_data'] } : { live: true, ready: true }) };
    } else if (method === 'GET' && (url === base || url === `${base}/versions/1`)) {
      this.answer = { status: 200, body: jsonBody(ctx.metadata) };
    } else if (url.startsWith('/v2/models/')) {
      this.answer = { status: 404, body: errorBody(`unknown model or endpoint ${JSON.stringify(url.slice(0, 200))}; this server serves ${JSON.stringify(ctx.model.name)}`) };
    } else {
      this.answer = { status: 404, body: errorBody(`not found: ${JSON.stringify(url.slice(0, 200))}`) };
    }
    // Only an inference request has a body worth reading: answer any other at once, and close
    // the connection if a body follows.
    if (te !== undefined || declared > 0) {
      const a = this.answer;
      this.answer = null;
      this.arrived();
      this.respond(a.status, a.body, true);
      return null;
    }
    return { kind: 'none' };
  }

  body(body: Buffer): void {
    this.arrived();
    const lease = this.lease;
    if (lease === null) {
      const a = this.answer!;
      this.answer = null;
      this.respond(a.status, a.body, false);
      return;
    }
    this.lease = null;
    this.infer(lease, body).catch((e: unknown) => {
      if (e instanceof ProtocolError) this.respond(e.status, errorBody(e.message), false);
      else this.respond(500, errorBody(`internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`), false);
    });
  }

  failed(e: FramingError): void {
    if (e.kind === 'head') this.refuse(431, `the request head is longer than ${MAX_HEAD_BYTES / 1024} KiB`);
    else if (e.kind === 'body') this.refuse(413, `the body is more than the ${this.ctx.limit} bytes this model allows`);
    else this.refuse(400, `malformed HTTP request: it has ${e.message}`);
  }

  private async infer(lease: BodyLease, body: Buffer): Promise<void> {
    const { ctx } = this;
    let answered = false;
    try {
      const arrival = performance.now();
      const decoded = decodeRequest(body, this.headerLength, ctx.maxHeader);
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
      const answer = encodeResponse({ modelName: ctx.model.name, ...(decoded.id !== undefined ? { id: decoded.id } : {}), outputs, parameters: { splitc_compute_ms: result.computeMs } }, binary);
      answered = true;
      // The answer may be views of the inputs: the buffer is the response's until it has left.
      this.respond(200, answer, false, () => lease.drop());
    } finally {
      // The executor is done with the inputs; without an answer of views, so is the response.
      lease.drop();
      if (!answered) lease.drop();
    }
  }

  /** Answer, then read the next request, or close (after a refusal, or when the client asked). */
  private respond(status: number, body: EncodedBody, close: boolean, written?: () => void): void {
    const s = this.socket;
    if (this.closing || s.destroyed) { written?.(); return; }
    close ||= !this.keepAlive || (this.ended && this.reader.buffered === 0);
    let head = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n`;
    for (const k in body.headers) head += `${k}: ${body.headers[k]}\r\n`;
    head += close ? 'connection: close\r\n\r\n' : '\r\n';
    writeMessage(s, head, body.pieces, written);
    if (close) { this.shut(); return; }
    this.busy = false;
    // Bytes already waiting are the next request's start.
    if (this.reader.buffered > 0) this.starting();
    this.reader.next();
    if (this.ended) {
      // The client has closed its side: answer every whole request it sent, then close.
      if (this.arriving) this.refuse(400, 'the client closed its side before the request was complete');
      else if (!this.busy) this.shut();
      return;
    }
    this.io.resume();
  }

  /** Refuse the request being read with `status` and close the connection. */
  private refuse(status: number, message: string): void {
    this.arrived();
    this.reader.kill();
    if (this.lease !== null) { this.lease.drop(); this.lease.drop(); this.lease = null; }
    this.respond(status, errorBody(message), true);
  }

  /** Close after what was written: the client gets the answer; what it still sends is read and dropped, for a while. */
  private shut(): void {
    if (this.closing) return;
    this.closing = true;
    this.busy = true;
    this.reader.kill();
    this.io.resume();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private closed(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.reader.kill();
    this.closing = true;
    // A body being read: nobody will finish it.
    if (this.lease !== null) { this.lease.drop(); this.lease.drop(); this.lease = null; }
    this.gone(this);
  }
}


/** Start serving `model` on host:port (port 0 picks a free one). */
export async function startServer(options: ServerOptions, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const { model } = options;
  const maxHeader = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  const limit = maxRequestBytes(model, maxHeader);
  const context: ServerContext = {
    model,
    base: `/v2/models/${encodeURIComponent(model.name)}`,
    // Model metadata: the batch dimension is -1, any number of frames up to the seam's batch.
    metadata: {
      name: model.name, versions: ['1'], platform: 'splitc',
      inputs: model.inputs.map((s) => ({ name: s.name, datatype: s.datatype, shape: batchedShape(s.shape, -1) })),
      outputs: model.outputs.map((s) => ({ name: s.name, datatype: s.datatype, shape: batchedShape(s.shape, -1) })),
    },
    limit,
    maxHeader,
    pool: new BodyPool(limit, (options.contexts ?? 1) + 4),
    contexts: new Contexts(options.contexts ?? 1, options.maxPending ?? 64),
    execute: options.execute,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 30_000,
    direct: options.directReads ?? true,
  };
  const connections = new Set<Connection>();
  // Half-open: a client may send its request and close its side; it still gets the answer.
  const server = net.createServer({ pauseOnConnect: true, noDelay: true, allowHalfOpen: true }, (accepted) => {
    connections.add(new Connection(context, accepted, (c) => connections.delete(c)));
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
      for (const c of connections) c.destroy();
    }),
  };
}
