// Streams a partition to disk: the model's pieces (many of them views into the source model)
// go straight to the file descriptor, so the weights are never held twice in memory.

import { closeSync, openSync, writevSync } from 'node:fs';
import path from 'node:path';
import { SplitcError } from '@splitc/diagnostics';
import type { Partition } from './partition.js';

/** Pieces per writev() call (Linux's IOV_MAX is 1024). */
const IOV_BATCH = 1024;

/**
 * Write byte pieces to a new file (refusing to overwrite) without concatenating them: one
 * writev() per 1024 pieces, so a partition of thousands of small pieces costs few system calls.
 * `onWritten` is told the bytes written so far (for progress).
 */
export function writeParts(file: string, parts: readonly Uint8Array[], onWritten?: (bytes: number) => void): void {
  const w = openParts(file);
  try {
    w.write(parts, onWritten);
  } finally {
    w.close();
  }
}

/** A new file (refusing to overwrite) written piece by piece, in several calls. */
export interface PartsWriter {
  /** Append `parts` (writev, as writeParts); `onWritten` is told the file's bytes so far. */
  write(parts: readonly Uint8Array[], onWritten?: (bytes: number) => void): void;
  /** Idempotent. */
  close(): void;
}

export function openParts(file: string): PartsWriter {
  const fail = (e: unknown): SplitcError => new SplitcError('OutputUnwritable', (e as Error).message.split('\n')[0] ?? String(e), { file });
  let fd: number | undefined;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    throw fail(e);
  }
  let total = 0;
  return {
    write(parts, onWritten) {
      if (fd === undefined) throw new Error(`${file} is closed`);
      try {
        const queue = parts.filter((p) => p.length > 0);
        for (let i = 0; i < queue.length;) {
          const batch = queue.slice(i, i + IOV_BATCH);
          let n = writevSync(fd, batch);
          total += n;
          // A short write: skip the pieces written whole, resume inside the one cut short.
          while (n > 0 && n >= queue[i]!.length) n -= queue[i++]!.length;
          if (n > 0) queue[i] = queue[i]!.subarray(n);
          onWritten?.(total);
        }
      } catch (e) {
        throw fail(e);
      }
    },
    close() {
      if (fd === undefined) return;
      const f = fd;
      fd = undefined;
      try {
        closeSync(f);
      } catch (e) {
        throw fail(e);
      }
    },
  };
}

/** Write `p` as `file` (and its external data beside it). Returns the files written. */
export function writePartition(p: Partition, file: string): string[] {
  if (p.late !== undefined) throw new Error('a partition with late metadata must be completed first (completePartition)');
  writeParts(file, p.parts);
  const written = [file];
  if (p.externalData !== undefined) {
    const data = path.join(path.dirname(file), p.externalData.location);
    writeParts(data, p.externalData.parts);
    written.push(data);
  }
  return written;
}
