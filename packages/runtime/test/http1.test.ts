// The HTTP/1.1 message reader the client and server share, driven the way Node drives a socket
// with `onread`: the buffer for the next read is asked for as soon as a read is handled, and the
// read itself may land much later, after the owner has moved the reader on (an answer written
// later calls `next()`), or after reading was stopped because the reader was full. A seeded stream of
// pipelined messages — Content-Length bodies, chunked bodies, bodiless requests — split at random
// points must come out as exactly the bodies that went in, in order.
import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../src/frames.js';
import { FramingError, MessageReader, type BodyPlan, type Head, type MessageHandler } from '../src/http1.js';

/** A stream of `count` messages and the bodies they carry. */
function messages(random: () => number, count: number): { stream: Buffer; bodies: Buffer[] } {
  const parts: Buffer[] = [];
  const bodies: Buffer[] = [];
  for (let m = 0; m < count; m++) {
    const kind = random();
    const size = kind < 0.15 ? 0 : Math.floor(random() * random() * 150_000);
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 31 + m * 7) & 0xff;
    bodies.push(body);
    if (kind < 0.15) {
      parts.push(Buffer.from(`GET /m${m} HTTP/1.1\r\nhost: x\r\n\r\n`));
    } else if (kind < 0.4) {
      parts.push(Buffer.from(`POST /m${m} HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n`));
      for (let at = 0; at < size;) {
        const n = Math.min(size - at, 1 + Math.floor(random() * 40_000));
        parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
        at += n;
      }
      parts.push(Buffer.from('0\r\nx-trailer: 1\r\n\r\n'));
    } else {
      parts.push(Buffer.from(`POST /m${m} HTTP/1.1\r\ncontent-length: ${size}\r\n\r\n`), body);
    }
  }
  return { stream: Buffer.concat(parts), bodies };
}

class Collector implements MessageHandler {
  readonly lines: string[] = [];
  readonly bodies: Buffer[] = [];
  held = false;
  head(head: Head): BodyPlan {
    this.lines.push(head.line);
    const cl = head.headers['content-length'];
    if (head.headers['transfer-encoding'] === 'chunked') return { kind: 'chunked', into: Buffer.alloc(200_000) };
    return cl === undefined ? { kind: 'none' } : { kind: 'length', into: Buffer.alloc(Number(cl)) };
  }
  body(body: Buffer): void {
    this.bodies.push(Buffer.from(body));
    this.held = true;
  }
  failed(e: FramingError): void {
    throw e;
  }
}

describe('MessageReader', () => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('reads pipelined messages split at random points, answered late (seed %i)', (seed) => {
    const random = rng(seed);
    const { stream, bodies } = messages(random, 30);
    const c = new Collector();
    const reader = new MessageReader(c);
    let lent = reader.readInto();
    let stopped = false;
    let pos = 0;
    let guard = 0;
    while (pos < stream.length) {
      if (++guard > 1_000_000) throw new Error('no progress');
      // An answer written later: the reader moves on outside any read.
      if (c.held && (stopped || random() < 0.3)) {
        c.held = false;
        reader.next();
        if (!reader.full) stopped = false;
      }
      if (stopped) continue;
      // The read lands in the buffer lent after the previous read (possibly long ago).
      const n = Math.min(lent.length, stream.length - pos, 1 + Math.floor(random() * (random() < 0.5 ? 100 : 90_000)));
      stream.copy(lent, 0, pos, pos + n);
      pos += n;
      if (!reader.onRead(n)) stopped = true;
      lent = reader.readInto();
    }
    while (c.held) { c.held = false; reader.next(); }
    expect(c.lines).toEqual(bodies.map((_, m) => expect.stringMatching(new RegExp(`^(GET|POST) /m${m} HTTP/1\\.1$`))));
    expect(c.bodies.length).toBe(bodies.length);
    for (let m = 0; m < bodies.length; m++) expect(Buffer.compare(c.bodies[m]!, bodies[m]!), `body ${m}`).toBe(0);
    expect(reader.buffered).toBe(0);
  });

  it('says which framing is wrong, as a noun phrase for its owner to put in a sentence', () => {
    const cases: [string, string, FramingError['kind']][] = [
      ['GET / HTTP/1.1\r\nbad line\r\n\r\n', 'a malformed header line "bad line"', 'malformed'],
      ['GET / HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n', 'two different Content-Length headers', 'malformed'],
      ['GET / HTTP/1.1\r\ncontent-length: 1\r\ntransfer-encoding: chunked\r\n\r\n', 'both Transfer-Encoding and Content-Length', 'malformed'],
      ['POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', 'a malformed chunk size "zz"', 'malformed'],
      ['POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabX', 'a chunk that does not end with CRLF', 'malformed'],
      ['POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n40000\r\n', 'the body is longer than 200000 bytes', 'body'],
      [`GET / HTTP/1.1\r\nx: ${'y'.repeat(70_000)}`, 'the head is longer than 65536 bytes', 'head'],
    ];
    for (const [input, message, kind] of cases) {
      let failure: FramingError | null = null;
      const c = new Collector();
      c.failed = (e) => { failure = e; };
      const reader = new MessageReader(c);
      const bytes = Buffer.from(input, 'latin1');
      for (let at = 0; at < bytes.length && failure === null;) {
        const into = reader.readInto();
        const n = bytes.copy(into, 0, at);
        at += n;
        reader.onRead(n);
      }
      expect(failure, input.slice(0, 60)).toMatchObject({ kind, message });
    }
  });
});
