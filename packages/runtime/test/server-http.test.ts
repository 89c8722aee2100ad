// HTTP/1.1 as the server speaks it (packages/runtime/src/http1.ts), over real loopback sockets, on
// both read paths: pipelined requests answered in order (more of them than the read buffer holds,
// so reading must stop and resume), Expect: 100-continue, a head that is too long, a client that
// closes its side mid-body, and idle kept-alive connections closed after their timeout.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest, startServer, typedView, type RunningServer } from '@splitc/runtime';

const WIDTH = 20_000;
// One UINT8 input [≤2, WIDTH]; the output is each frame's byte sum (FP32), after `delayMs`.
const spec = { name: 'sum', inputs: [{ name: 'x', datatype: 'UINT8' as const, shape: [2, WIDTH] }], outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [2, 1] }] };
let delayMs = 0;

/** An inference request for frames whose bytes are all `fill` (one frame each), as raw HTTP. */
function inferRequest(fills: number[], extra = ''): Buffer {
  const data = new Uint8Array(fills.length * WIDTH);
  fills.forEach((f, i) => data.fill(f, i * WIDTH, (i + 1) * WIDTH));
  const e = encodeRequest({ inputs: [{ name: 'x', datatype: 'UINT8', shape: [fills.length, WIDTH], data }] });
  const head = `POST /v2/models/sum/infer HTTP/1.1\r\nhost: x\r\ncontent-length: ${e.length}\r\ninference-header-content-length: ${e.headers['inference-header-content-length']}\r\n${extra}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), ...e.pieces]);
}

interface Reply { status: number; headers: string; body: Buffer }

/** Collects the responses arriving on `s`, framed by their Content-Length. */
function replies(s: net.Socket): { all: Reply[]; raw: () => string; closed: Promise<void>; wait: (n: number) => Promise<Reply[]> } {
  let buf = Buffer.alloc(0);
  const all: Reply[] = [];
  const waiters: (() => void)[] = [];
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = buf.subarray(0, end).toString('latin1');
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      all.push({ status: Number(headers.slice(9, 12)), headers, body: buf.subarray(end + 4, end + 4 + length) });
      buf = buf.subarray(end + 4 + length);
      for (const w of waiters.splice(0)) w();
    }
  });
  const closed = new Promise<void>((r) => s.on('close', () => { r(); for (const w of waiters.splice(0)) w(); }));
  return {
    all,
    raw: () => buf.toString('latin1'),
    closed,
    wait: async (n) => {
      while (all.length < n && !s.destroyed) await new Promise<void>((r) => waiters.push(r));
      return all;
    },
  };
}

const sums = (r: Reply): number[] => {
  const hl = /inference-header-content-length: (\d+)/i.exec(r.headers)![1];
  return Array.from(typedView(decodeResponse(r.body, hl).outputs[0]!));
};
const errorOf = (r: Reply): string => (JSON.parse(r.body.toString('utf8')) as { error: string }).error;

describe.each([['direct', true], ['portable', false]] as const)('server HTTP/1.1 (%s reads)', (_name, directReads) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      model: spec,
      directReads,
      requestTimeoutMs: 3000,
      keepAliveTimeoutMs: 400,
      execute: async (inputs, frames) => {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        const x = inputs[0]!.data;
        const out = new Float32Array(frames);
        for (let f = 0; f < frames; f++) for (let i = 0; i < WIDTH; i++) out[f] = out[f]! + x[f * WIDTH + i]!;
        return { outputs: [{ name: 'y', datatype: 'FP32', shape: [frames, 1], data: new Uint8Array(out.buffer) }], computeMs: 0 };
      },
    });
  });
  afterAll(async () => server.close());

  const connect = async (): Promise<net.Socket> => {
    const s = net.connect(server.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    return s;
  };

  it('answers pipelined requests in order, more of them than its read buffer holds', async () => {
    delayMs = 5;
    try {
      const s = await connect();
      const r = replies(s);
      // 40 requests of ~20–40 KB (about 1.2 MB) in one go, with GETs among them: while the first
      // computes, the rest fill the server's 64 KiB head buffer and reading must stop, then resume.
      const parts: Buffer[] = [];
      const expected: number[][] = [];
      for (let i = 0; i < 40; i++) {
        if (i % 10 === 5) { parts.push(Buffer.from('GET /v2/health/ready HTTP/1.1\r\nhost: x\r\n\r\n')); expected.push([]); }
        const fills = i % 3 === 0 ? [i, 255 - i] : [i];
        parts.push(inferRequest(fills));
        expected.push(fills.map((f) => f * WIDTH));
      }
      s.write(Buffer.concat(parts));
      const got = await r.wait(expected.length);
      expect(got.map((x) => x.status)).toEqual(expected.map(() => 200));
      expect(got.map((x) => (x.headers.includes('inference-header-content-length') ? sums(x) : []))).toEqual(expected);
      s.destroy();
    } finally {
      delayMs = 0;
    }
  });

  it('answers Expect: 100-continue with 100 before the body is sent', async () => {
    const s = await connect();
    const r = replies(s);
    const req = inferRequest([7], 'expect: 100-continue\r\n');
    const headEnd = req.indexOf('\r\n\r\n') + 4;
    s.write(req.subarray(0, headEnd));
    const interim = await r.wait(1);
    expect(interim[0]!.headers).toBe('HTTP/1.1 100 Continue');
    s.write(req.subarray(headEnd));
    const all = await r.wait(2);
    expect(all[1]!.status).toBe(200);
    expect(sums(all[1]!)).toEqual([7 * WIDTH]);
    s.destroy();
  });

  it('refuses a head longer than 64 KiB with 431 and closes', async () => {
    const s = await connect();
    const r = replies(s);
    s.write(`GET /v2/health/ready HTTP/1.1\r\nx-long: ${'y'.repeat(70_000)}\r\n\r\n`);
    await r.closed;
    expect(r.all.map((x) => x.status)).toEqual([431]);
    expect(errorOf(r.all[0]!)).toMatch(/^the request head is longer than 64 KiB$/);
  });

  it('answers 400 when the client closes its side before the body is complete, and every whole request sent before the close', async () => {
    const cut = await connect();
    const r = replies(cut);
    const req = inferRequest([3]);
    cut.end(req.subarray(0, req.length - 100));
    await r.closed;
    expect(r.all.map((x) => x.status)).toEqual([400]);
    expect(errorOf(r.all[0]!)).toBe('the client closed its side before the request was complete');

    const whole = await connect();
    const w = replies(whole);
    whole.end(inferRequest([4]));
    await w.closed;
    expect(w.all.map((x) => [x.status, sums(x)])).toEqual([[200, [4 * WIDTH]]]);

    // Three pipelined requests, then the close: all three are answered, in order.
    delayMs = 20;
    try {
      const three = await connect();
      const t = replies(three);
      three.end(Buffer.concat([inferRequest([5]), inferRequest([6, 7]), inferRequest([8])]));
      await t.closed;
      expect(t.all.map((x) => [x.status, sums(x)])).toEqual([[200, [5 * WIDTH]], [200, [6 * WIDTH, 7 * WIDTH]], [200, [8 * WIDTH]]]);
      expect(t.all[2]!.headers).toMatch(/\r\nconnection: close$/);
    } finally {
      delayMs = 0;
    }
  });

  it('keeps a connection alive between requests and closes it once idle for the keep-alive timeout', async () => {
    const s = await connect();
    const r = replies(s);
    s.write(inferRequest([1]));
    await r.wait(1);
    s.write(inferRequest([2]));
    await r.wait(2);
    expect(r.all.map((x) => sums(x))).toEqual([[WIDTH], [2 * WIDTH]]);
    const t0 = performance.now();
    await r.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.raw()).toBe('');
  });
});
