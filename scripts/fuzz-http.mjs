#!/usr/bin/env node
// Fuzz the runtime's KServe v2 server (its own HTTP/1.1 framing, packages/runtime/src/http1.ts) over
// real loopback sockets: mutated requests — bytes flipped, inserted, deleted, truncated, heads and
// bodies spliced, split into random writes, several pipelined on one connection — on both read
// paths. Every answer must be a well-formed HTTP/1.1 response with a status the protocol allows
// (never 500), after every batch a good request must still be answered correctly, and nothing may
// throw. Prints the statuses seen; exits 1 on any violation. Not a test (it runs a minute or more).
//
//   npm run build && node scripts/fuzz-http.mjs [--runs N] [--seed S]
import net from 'node:net';
import { encodeRequest, InferenceClient, startServer, typedView } from '@splitc/runtime';
import { mulberry32 } from '../packages/runtime/dist/frames.js';

const args = process.argv.slice(2);
const option = (name, fallback) => { const at = args.indexOf(name); return at < 0 ? fallback : Number(args[at + 1]); };
const runs = option('--runs', 1000);
const seed = option('--seed', 20261128);
const random = mulberry32(seed);
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const int = (n) => Math.floor(random() * n);

const spec = { name: 'toy', inputs: [{ name: 'x', datatype: 'INT8', shape: [4, 8, 8, 3] }], outputs: [{ name: 'sum', datatype: 'FP32', shape: [4, 1] }] };
const execute = async (inputs, frames) => {
  const x = typedView(inputs[0]);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) for (let i = 0; i < 192; i++) out[f] += x[f * 192 + i];
  return { outputs: [{ name: 'sum', datatype: 'FP32', shape: [frames, 1], data: new Uint8Array(out.buffer) }], computeMs: 0 };
};

function goodRequest(frames, extraHeaders = '') {
  const data = new Uint8Array(frames * 192).map((_, i) => (i * 13) & 0xff);
  const e = encodeRequest({ inputs: [{ name: 'x', datatype: 'INT8', shape: [frames, 8, 8, 3], data }] });
  const chunked = random() < 0.2;
  const body = Buffer.concat(e.pieces);
  const framing = chunked ? 'transfer-encoding: chunked\r\n' : `content-length: ${body.length}\r\n`;
  const head = `POST /v2/models/toy/infer HTTP/1.1\r\nhost: x\r\n${framing}inference-header-content-length: ${e.headers['inference-header-content-length']}\r\n${extraHeaders}\r\n`;
  if (!chunked) return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  const parts = [Buffer.from(head, 'latin1')];
  for (let at = 0; at < body.length;) {
    const n = Math.min(body.length - at, 1 + int(400));
    parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}
const gets = ['GET /v2/health/ready HTTP/1.1\r\n\r\n', 'GET /v2/models/toy HTTP/1.1\r\nhost: x\r\n\r\n', 'GET /v2 HTTP/1.0\r\n\r\n', 'GET /nope HTTP/1.1\r\n\r\n'];

function mutate(b) {
  const x = Buffer.from(b);
  switch (int(8)) {
    case 0: for (let k = 0; k < 1 + int(4); k++) x[int(x.length)] ^= 1 << int(8); return x;
    case 1: { const at = int(x.length); return Buffer.concat([x.subarray(0, at), Buffer.from(pick(['\r\n', '\r\n\r\n', ':', ' ', '\0', 'content-length: 5\r\n', 'transfer-encoding: chunked\r\n', 'expect: 100-continue\r\n', 'connection: close\r\n', 'ffffffffffff\r\n', '-1'])), x.subarray(at)]); }
    case 2: { const at = int(x.length); return Buffer.concat([x.subarray(0, at), x.subarray(at + 1 + int(20))]); }
    case 3: return x.subarray(0, int(x.length));
    case 4: { const at = int(x.length); return Buffer.concat([x.subarray(0, at), Buffer.alloc(int(3000), int(256)), x.subarray(at)]); }
    case 5: return Buffer.from(x.toString('latin1').replace(/content-length: \d+/, `content-length: ${pick([0, 1, 99999999, 2 ** 53, -3, '1e3', ' 12'])}`), 'latin1');
    case 6: return Buffer.from(x.toString('latin1').replace(/inference-header-content-length: \d+/, `inference-header-content-length: ${pick([0, 1, 999999, -1, 'x'])}`), 'latin1');
    default: return x;
  }
}

const ALLOWED = new Set([100, 200, 400, 404, 408, 413, 431, 503]);
const statuses = new Map();
let violations = 0;
const violation = (what) => { violations++; if (violations <= 20) console.log(`VIOLATION ${what}`); };
process.on('uncaughtException', (e) => { violation(`uncaught: ${e.stack}`); });

/** How to send `bytes`: random write sizes and pauses, drawn now so that a seed gives the same run. */
function sendPlan(bytes, end) {
  const writes = [];
  for (let at = 0; at < bytes.length;) {
    const n = Math.min(bytes.length - at, 1 + int(random() < 0.5 ? 64 : 5000));
    writes.push({ from: at, to: at + n, pause: random() < 0.1 });
    at += n;
  }
  return { bytes, writes, end };
}

/** Send on a fresh connection as planned; resolve with what came back by close or 1.5 s. */
function exchange(port, plan) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const got = [];
    let done = false;
    const finish = () => { if (!done) { done = true; s.destroy(); resolve(Buffer.concat(got)); } };
    s.on('data', (d) => got.push(d));
    s.on('error', () => undefined);
    s.on('close', finish);
    setTimeout(finish, 1500);
    s.on('connect', async () => {
      for (const w of plan.writes) {
        if (s.destroyed) return;
        s.write(plan.bytes.subarray(w.from, w.to));
        if (w.pause) await new Promise((r) => setTimeout(r, 1));
      }
      if (plan.end && !s.destroyed) s.end();
    });
  });
}

/** Split a byte stream of responses; each must be a well-formed HTTP/1.1 response with an allowed status. */
function checkResponses(raw, label) {
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end < 0) { violation(`${label}: a response cut short: ${JSON.stringify(raw.subarray(at, at + 80).toString('latin1'))}`); return; }
    const head = raw.subarray(at, end).toString('latin1');
    const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]+/.exec(head);
    if (m === null) { violation(`${label}: not an HTTP/1.1 status line: ${JSON.stringify(head.slice(0, 80))}`); return; }
    const status = Number(m[1]);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (!ALLOWED.has(status)) violation(`${label}: status ${status}: ${raw.subarray(end + 4, end + 200).toString('latin1')}`);
    const length = status === 100 ? 0 : Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? NaN);
    if (Number.isNaN(length)) { violation(`${label}: a response without Content-Length`); return; }
    if (status >= 400) {
      try { JSON.parse(raw.subarray(end + 4, end + 4 + length).toString('utf8')).error.length; } catch { violation(`${label}: a ${status} without a KServe error body`); }
    }
    at = end + 4 + length;
  }
}

for (const directReads of [true, false]) {
  const server = await startServer({ model: spec, execute, directReads, requestTimeoutMs: 1000 });
  const client = new InferenceClient(server.url, 'toy', { maxResponseBytes: 1 << 16 });
  const t0 = performance.now();
  // 16 connections at a time; everything random is drawn before a batch starts.
  for (let i = 0; i < runs; i += 16) {
    const batch = [];
    for (let k = i; k < Math.min(runs, i + 16); k++) {
      const messages = Array.from({ length: 1 + int(3) }, () => (random() < 0.75 ? goodRequest(1 + int(4), random() < 0.1 ? 'expect: 100-continue\r\n' : '') : Buffer.from(pick(gets), 'latin1')));
      const bytes = random() < 0.9 ? mutate(Buffer.concat(messages)) : Buffer.concat(messages);
      batch.push(sendPlan(bytes, random() < 0.7));
    }
    const answers = await Promise.all(batch.map((plan) => exchange(server.port, plan)));
    answers.forEach((raw, k) => checkResponses(raw, `${directReads ? 'direct' : 'portable'} #${i + k}`));
    const r = await client.infer({ inputs: [{ name: 'x', datatype: 'INT8', shape: [2, 8, 8, 3], data: new Uint8Array(384).fill(1) }] }).catch((e) => e);
    if (r instanceof Error || Array.from(typedView(r.outputs[0])).join() !== '192,192') violation(`after #${i}: a good request was not answered right: ${r instanceof Error ? r.message : JSON.stringify(r.outputs)}`);
  }
  client.close();
  await server.close();
  console.log(`${directReads ? 'direct  ' : 'portable'} reads: ${runs} mutated exchanges in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`statuses: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(', ')}`);
console.log(`violations: ${violations}`);
process.exit(violations === 0 ? 0 : 1);
