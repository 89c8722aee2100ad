// The server reads each request body into a pooled buffer and the inputs are views into it. The
// buffer must not go back to the pool while the response may still be in flight: an executor that
// answers with views of its inputs (an echo) must send exactly what it received, even when the
// client reads its answer late and another request is read into the pool meanwhile.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceClient, decodeResponse, encodeRequest, startServer, type RunningServer } from '@splitc/runtime';

const SIZE = 16 << 20; // larger than the loopback socket buffers, so a late reader leaves the answer pending
const spec = { name: 'echo', inputs: [{ name: 'x', datatype: 'UINT8' as const, shape: [1, SIZE] }], outputs: [{ name: 'y', datatype: 'UINT8' as const, shape: [1, SIZE] }] };
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ model: spec, contexts: 2, execute: async (inputs) => ({ outputs: [{ name: 'y', datatype: 'UINT8', shape: [1, SIZE], data: inputs[0]!.data }], computeMs: 0 }) });
});
afterAll(async () => server.close());

const pattern = (seed: number): Uint8Array => {
  const b = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
};

describe('request buffers', () => {
  it('are not reused while an answer made of views into them is still being sent', async () => {
    const first = pattern(1);
    const e = encodeRequest({ inputs: [{ name: 'x', datatype: 'UINT8', shape: [1, SIZE], data: first }] });
    const head = `POST /v2/models/echo/infer HTTP/1.1\r\nhost: x\r\ncontent-length: ${e.length}\r\ninference-header-content-length: ${e.headers['inference-header-content-length']}\r\n\r\n`;
    // A client that sends its request and does not read the answer yet.
    const slow = net.connect(server.port, '127.0.0.1');
    slow.pause();
    await new Promise((r) => slow.once('connect', r));
    slow.write(head);
    for (const p of e.pieces) slow.write(p);
    await new Promise((r) => setTimeout(r, 300));
    // Meanwhile another client's request is read (into the pool) and answered.
    const c = new InferenceClient(server.url, 'echo', { maxResponseBytes: SIZE + 65536, timeoutMs: 20_000 });
    const second = pattern(2);
    const r2 = await c.infer({ inputs: [{ name: 'x', datatype: 'UINT8', shape: [1, SIZE], data: second }] });
    c.close();
    expect(Buffer.compare(Buffer.from(r2.outputs[0]!.data), Buffer.from(second))).toBe(0);
    // Now the slow client reads its answer: it must be its own bytes.
    const chunks: Buffer[] = [];
    slow.on('data', (d: Buffer) => chunks.push(d));
    slow.resume();
    const raw = await new Promise<Buffer>((resolve) => {
      const check = (): void => {
        const all = Buffer.concat(chunks);
        const end = all.indexOf('\r\n\r\n');
        if (end >= 0) {
          const length = Number(/content-length: (\d+)/i.exec(all.subarray(0, end).toString('latin1'))![1]);
          if (all.length >= end + 4 + length) { resolve(all); return; }
        }
        setTimeout(check, 20);
      };
      check();
    });
    slow.destroy();
    const end = raw.indexOf('\r\n\r\n');
    const headers = raw.subarray(0, end).toString('latin1');
    expect(headers).toMatch(/^HTTP\/1\.1 200/);
    const hl = /inference-header-content-length: (\d+)/i.exec(headers)![1];
    const r1 = decodeResponse(raw.subarray(end + 4), hl);
    const got = r1.outputs[0]!.data;
    let firstBad = -1;
    for (let i = 0; i < SIZE; i++) if (got[i] !== first[i]) { firstBad = i; break; }
    expect(firstBad, 'first byte of the slow answer that is not its own').toBe(-1);
  }, 30_000);
});
