// Streams a partition to disk: the model's pieces (many of them views into the source model)
// go straight to the file descriptor, so the weights are never held twice in memory.

import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { SplitcError } from '@splitc/diagnostics';
import type { Partition } from './partition.js';

/** Write byte pieces to a new file (refusing to overwrite) without concatenating them. */
export function writeParts(file: string, parts: readonly Uint8Array[]): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'wx');
    for (const p of parts) {
      let done = 0;
      while (done < p.length) done += writeSync(fd, p, done, p.length - done);
    }
  } catch (e) {
    throw new SplitcError('OutputUnwritable', (e as Error).message.split('\n')[0] ?? String(e), { file });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Write `p` as `file` (and its external data beside it). Returns the files written. */
export function writePartition(p: Partition, file: string): string[] {
  writeParts(file, p.parts);
  const written = [file];
  if (p.externalData !== undefined) {
    const data = path.join(path.dirname(file), p.externalData.location);
    writeParts(data, p.externalData.parts);
    written.push(data);
  }
  return written;
}
