// The KServe v2 server over real loopback sockets: health and metadata, inference, and faults —
// garbage, truncated, oversized and mis-shaped requests get a 4xx with a KServe error body, a
// client that vanishes mid-request does not wedge it, and it keeps serving after each. Every case
// runs twice: with bodies read by the kernel straight into their buffers (the default), and on the
// portable path that copies them out of the chunks Node reads.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceClient, encodeRequest, startServer, typedView, type RunningServer, type WireData } from '@splitc/runtime';

// A model with one INT8 input [≤4, 2, 2, 3] whose output is the input's sum per frame, as FP32.
const spec = { name: 'toy', inputs: [{ name: 'x/in', datatype: 'INT8' as const, shape: [4, 2, 2, 3] }], outputs: [{ name: 'sum', datatype: 'FP32' as const, shape: [4, 1] }] };
let server: RunningServer;
let calls = 0;

const start = (directReads: boolean) => async (): Promise<void> => {
  server = await startServer({
    model: spec,
    directReads,
    requestTimeoutMs: 2000,
    execute: async (inputs, frames) => {
      calls++;
      const x = typedView(inputs[0]!) as Int8Array;
      const out = new Float32Array(frames);
      for (let f = 0; f < frames; f++) for (let i = 0; i < 12; i++) out[f] = out[f]! + x[f * 12 + i]!;
      return { outputs: [{ name: 'sum', datatype: 'FP32', shape: [frames, 1], data: new Uint8Array(out.buffer) }], computeMs: 0 };
    },
  });
};

const frames = (n: number): WireData => ({ name: 'x/in', datatype: 'INT8', shape: [n, 2, 2, 3], data: new Uint8Array(Int8Array.from({ length: n * 12 }, (_, i) => (i % 12) - 6 + Math.floor(i / 12)).buffer) });

/** Send raw bytes on a fresh connection; resolves with what came back before the server closed or `waitMs` passed. */
function raw(bytes: string | Buffer, opts: { end?: boolean; waitMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => { got += d.toString('latin1'); });
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.write(bytes);
    if (opts.end !== false) s.end();
    setTimeout(() => { s.destroy(); resolve(got); }, opts.waitMs ?? 3000);
  });
}

const status = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
const errorOf = (response: string): string => (JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { error: string }).error;

async function stillServes(): Promise<void> {
  const c = new InferenceClient(server.url, 'toy', { maxResponseBytes: 1 << 16 });
  const r = await c.infer({ inputs: [frames(3)] });
  c.close();
  expect(Array.from(typedView(r.outputs[0]!))).toEqual([-6, 6, 18]);
}

function post(body: Buffer, headers: Record<string, string>): string {
  const h = Object.entries({ 'content-length': String(body.length), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `POST /v2/models/toy/infer HTTP/1.1\r\nhost: x\r\n${h}\r\n`;
}

describe.each([['direct', true], ['portable', false]] as const)('KServe v2 server (%s reads)', (_name, directReads) => {
  beforeAll(start(directReads));
  afterAll(async () => server.close());

  it('answers health, metadata and inference, batch by batch', async () => {
    const live = await fetch(`${server.url}/v2/health/ready`);
    expect(live.status).toBe(200);
    const meta = await (await fetch(`${server.url}/v2/models/toy`)).json();
    expect(meta).toMatchObject({ name: 'toy', inputs: [{ name: 'x/in', datatype: 'INT8', shape: [-1, 2, 2, 3] }], outputs: [{ name: 'sum', datatype: 'FP32', shape: [-1, 1] }] });
    expect((await fetch(`${server.url}/v2/models/other`)).status).toBe(404);
    await stillServes();
  });

  it('refuses garbage, truncated, oversized and mis-shaped requests with 4xx and keeps serving', async () => {
    const good = encodeRequest({ inputs: [frames(2)] });
    const body = Buffer.concat(good.pieces);
    const hl = good.headers['inference-header-content-length']!;
    const cases: [string, Promise<string>, number, RegExp][] = [
      ['garbage JSON', raw(post(Buffer.from('{nope'), {}) + '{nope'), 400, /does not parse/],
      ['binary shorter than declared', raw(Buffer.concat([Buffer.from(post(body.subarray(0, body.length - 5), { 'inference-header-content-length': hl })), body.subarray(0, body.length - 5)])), 400, /ends after 19 of 24 bytes/],
      ['oversized Content-Length', raw(post(Buffer.alloc(0), {}).replace('content-length: 0', 'content-length: 99999999')), 413, /more than the \d+ this model's inputs allow/],
      ['oversized chunked body', raw(`POST /v2/models/toy/infer HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n${'100000\r\n' + 'x'.repeat(0x100000) + '\r\n'}0\r\n\r\n`), 413, /more than the \d+ bytes this model allows/],
      ['too many frames', raw(Buffer.concat([Buffer.from(post(Buffer.concat(encodeRequest({ inputs: [frames(5)] }).pieces), { 'inference-header-content-length': encodeRequest({ inputs: [frames(5)] }).headers['inference-header-content-length']! })), ...encodeRequest({ inputs: [frames(5)] }).pieces])), 400, /shape \[5,2,2,3\], expected \[1\.\.4,2,2,3\]/],
      ['wrong input name', raw((() => { const e = encodeRequest({ inputs: [{ ...frames(1), name: 'y' }] }); const b = Buffer.concat(e.pieces); return Buffer.concat([Buffer.from(post(b, { 'inference-header-content-length': e.headers['inference-header-content-length']! })), b]); })()), 400, /unexpected input "y"/],
      ['not HTTP', raw('\x16\x03\x01 hello\r\n\r\n'), 400, /malformed HTTP request/],
    ];
    for (const [what, p, code, msg] of cases) {
      const r = await p;
      expect(status(r), `${what}: ${r.slice(0, 200)}`).toBe(code);
      expect(errorOf(r), what).toMatch(msg);
      await stillServes();
    }
  });

  it('is not wedged by clients that vanish mid-request or stall', async () => {
    const good = encodeRequest({ inputs: [frames(4)] });
    const body = Buffer.concat(good.pieces);
    const head = post(body, { 'inference-header-content-length': good.headers['inference-header-content-length']! });
    const before = calls;
    // Half a body, then the socket is destroyed.
    await raw(Buffer.concat([Buffer.from(head), body.subarray(0, 20)]), { end: false, waitMs: 100 });
    // Half a body, then silence: other clients are served meanwhile, the stalled one times out.
    const stalled = raw(Buffer.concat([Buffer.from(head), body.subarray(0, 20)]), { end: false, waitMs: 4000 });
    await Promise.all(Array.from({ length: 8 }, () => stillServes()));
    const timedOut = await stalled;
    expect(status(timedOut)).toBe(408);
    expect(errorOf(timedOut)).toMatch(/did not arrive in time/);
    expect(calls - before).toBe(8);
    await stillServes();
  });
});
