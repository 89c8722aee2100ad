// The KServe v2 client speaks HTTP/1.1 itself: these pin how it reads what servers may answer —
// Content-Length bodies (read straight into the returned buffer), chunked and read-to-close bodies,
// interim 100 responses, keep-alive reuse (and one resend when the server had closed the idle
// connection), and refusals: bodies over the limit, malformed heads, a server that hangs or dies.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceClient, encodeResponse, typedView } from '@splitc/runtime';

const out = new Float32Array([1.5, -2, 3.25]);
const answer = encodeResponse({ modelName: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 3], data: new Uint8Array(out.buffer) }] }, 'all');
const bodyBytes = Buffer.concat(answer.pieces);
const hl = answer.headers['inference-header-content-length']!;

/** A TCP server that reads each request (head + Content-Length body) and answers with `reply(i)` (i counts requests over all connections). */
async function scripted(reply: (i: number, socket: net.Socket) => string | Buffer | null): Promise<{ url: string; connections: () => number; close: () => void }> {
  let count = 0;
  let conns = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    conns++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.subarray(end + 4 + len);
        const r = reply(count++, s);
        if (r !== null) s.write(r);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => conns,
    close: () => { server.close(); for (const s of sockets) s.destroy(); },
  };
}

const ok = (extra = ''): Buffer => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n${HL()}content-length: ${bodyBytes.length}\r\n${extra}\r\n`), bodyBytes]);
const HL = (): string => `inference-header-content-length: ${hl}\r\n`;
const request = { inputs: [{ name: 'x', datatype: 'INT8' as const, shape: [1, 4], data: new Uint8Array([1, 2, 3, 4]) }] };
const values = async (c: InferenceClient): Promise<number[]> => Array.from(typedView((await c.infer(request)).outputs[0]!));

let cleanup: (() => void)[] = [];
afterEach(() => { for (const f of cleanup) f(); cleanup = []; });

describe('KServe v2 client', () => {
  it('reads Content-Length, chunked and read-to-close bodies, after interim 100 responses', async () => {
    const chunked = (): string => {
      const b = bodyBytes.toString('latin1');
      return `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n${HL()}\r\n${(5).toString(16)};ext=1\r\n${b.slice(0, 5)}\r\n${(b.length - 5).toString(16)}\r\n${b.slice(5)}\r\n0\r\nx-trailer: 1\r\n\r\n`;
    };
    const s = await scripted((i, socket) => {
      if (i % 4 === 3) { socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nconnection: close\r\n${HL()}\r\n`), bodyBytes])); return null; }
      return [ok(), Buffer.from(chunked(), 'latin1'), Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), ok()])][i % 4]!;
    });
    cleanup.push(s.close);
    const c = new InferenceClient(s.url, 'm', { maxResponseBytes: 1 << 16, window: 1 });
    cleanup.push(() => c.close());
    for (let i = 0; i < 8; i++) expect(await values(c)).toEqual([1.5, -2, 3.25]);
    // One connection for requests 0–3 (the read-to-close answer ends it), a second for 4–7.
    expect(s.connections()).toBe(2);
  });

  it('keeps connections alive, and sends once more when the server had closed an idle one', async () => {
    const s = await scripted((i, socket) => {
      if (i === 1) { socket.destroy(); return null; } // the server drops the kept-alive connection unanswered
      return ok();
    });
    cleanup.push(s.close);
    const c = new InferenceClient(s.url, 'm', { maxResponseBytes: 1 << 16, window: 1 });
    cleanup.push(() => c.close());
    expect(await values(c)).toEqual([1.5, -2, 3.25]);
    expect(await values(c)).toEqual([1.5, -2, 3.25]);
    expect(await values(c)).toEqual([1.5, -2, 3.25]);
    expect(s.connections()).toBe(2);
  });

  it('refuses bodies over the limit, malformed heads and bodies cut short, with one line each', async () => {
    const big = 1 << 20;
    const replies = [
      `HTTP/1.1 200 OK\r\ncontent-length: ${big}\r\n\r\n`,
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n100000\r\n',
      'SSH-2.0-OpenSSH\r\n\r\n',
      'HTTP/1.1 200 OK\r\nbad header line\r\ncontent-length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 10\r\ncontent-length: 11\r\n\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
      `HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n${'x'.repeat(10)}`,
      `HTTP/1.1 200 OK\r\n${'x-long: '.padEnd(70_000, 'y')}\r\n\r\n`,
    ];
    const s = await scripted((i, socket) => { socket.write(replies[i]!); if (i === 6) socket.end(); return null; });
    cleanup.push(s.close);
    const c = new InferenceClient(s.url, 'm', { maxResponseBytes: 1 << 16, window: 1, timeoutMs: 2000 });
    cleanup.push(() => c.close());
    const messages: string[] = [];
    for (let i = 0; i < replies.length; i++) messages.push(await c.infer(request).then(() => 'answered', (e: Error) => e.message));
    expect(messages).toEqual([
      `the response is ${big} bytes, more than the ${1 << 16} the model's outputs allow`,
      'the response is longer than declared or allowed',
      'the server did not answer HTTP/1.1: "SSH-2.0-OpenSSH"',
      'the response has a malformed header line "bad header line"',
      'the response has two different Content-Length headers',
      'the response has a malformed chunk size "zz"',
      'the server closed the connection mid-response',
      'the response head is longer than 65536 bytes',
    ]);
    for (const m of messages) expect(m).not.toContain('\n');
  });

  it('fails a request the server does not answer, and one to a server that is gone', async () => {
    const s = await scripted(() => null);
    cleanup.push(s.close);
    const c = new InferenceClient(s.url, 'm', { maxResponseBytes: 1 << 16, timeoutMs: 300 });
    cleanup.push(() => c.close());
    await expect(c.infer(request)).rejects.toThrow(/^no answer within 300 ms$/);
    s.close();
    const gone = new InferenceClient(s.url, 'm', { maxResponseBytes: 1 << 16 });
    cleanup.push(() => gone.close());
    await expect(gone.infer(request)).rejects.toThrow(/^connection refused$/);
  });

  it('close() ends requests in flight and closes every connection, idle or not', async () => {
    let closedByClient = 0;
    const watched = new WeakSet<net.Socket>();
    const s = await scripted((i, socket) => {
      if (!watched.has(socket)) { watched.add(socket); socket.on('close', () => { closedByClient++; }); }
      return i === 0 ? ok() : null; // the first is answered (its connection goes idle), the others never
    });
    cleanup.push(s.close);
    const c = new InferenceClient(s.url, 'm', { maxResponseBytes: 1 << 16, window: 3 });
    expect(await values(c)).toEqual([1.5, -2, 3.25]);
    const pending = [c.infer(request), c.infer(request), c.infer(request)].map((p) => p.then(() => 'answered', (e: Error) => e.message));
    await new Promise((r) => setTimeout(r, 200));
    c.close();
    expect(await Promise.all(pending)).toEqual(['the client is closed', 'the client is closed', 'the client is closed']);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.connections()).toBe(3);
    expect(closedByClient).toBe(3);
  });
});
