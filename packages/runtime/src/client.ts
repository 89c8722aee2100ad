// A KServe v2 client on node:http: one keep-alive connection per request in flight, TCP_NODELAY,
// binary tensor data in and out, response bodies bounded by what the model's outputs allow.

import http from 'node:http';
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
      throw new SplitcError('Usage', `--gpu-url ${JSON.stringify(baseUrl)} is not a URL`, { field: '--gpu-url' });
    }
    if (this.base.protocol !== 'http:') throw new SplitcError('Usage', `--gpu-url ${baseUrl}: only http:// is supported`, { field: '--gpu-url' });
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.window ?? 4, noDelay: true });
  }

  private request(method: string, path: string, body?: { pieces: readonly Uint8Array[]; headers: Readonly<Record<string, string>> }, limit = 1 << 20): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.base.hostname, port: this.base.port, method, path, agent: this.agent, headers: body?.headers ?? {}, timeout: this.options.timeoutMs ?? 5000 }, (res) => {
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > limit) {
          res.destroy();
          reject(new ProtocolError(502, `the response is ${declared} bytes, more than the ${limit} the model's outputs allow`));
          return;
        }
        const buf = Number.isFinite(declared) ? Buffer.allocUnsafe(declared) : null;
        const chunks: Buffer[] = [];
        let got = 0;
        res.on('data', (c: Buffer) => {
          if (got + c.length > (buf?.length ?? limit)) {
            res.destroy();
            reject(new ProtocolError(502, 'the response is longer than declared or allowed'));
            return;
          }
          if (buf !== null) c.copy(buf, got);
          else chunks.push(c);
          got += c.length;
        });
        res.on('end', () => {
          if (buf !== null && got !== buf.length) { reject(new ProtocolError(502, `the response ended after ${got} of ${buf.length} bytes`)); return; }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf ?? Buffer.concat(chunks, got) });
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new ProtocolError(502, 'the server closed the connection mid-response')));
      });
      req.on('socket', (s) => s.setNoDelay(true));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs ?? 5000} ms`)));
      req.on('error', reject);
      if (body !== undefined) {
        req.cork();
        for (const p of body.pieces) req.write(p);
        req.uncork();
      }
      req.end();
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

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'connection reset by the server';
  return err.message ?? String(e);
}
