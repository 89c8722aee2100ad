// The one reader of JSON input files (target files, measured profiles, plans, manifests): a
// regular file only (a FIFO, a device or a directory is refused before it is read, so nothing
// hangs or reads forever), bounded in size, and every failure a typed SplitcError naming the file.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { SplitcError, type DiagnosticName } from './index.js';

/** Largest JSON input read (target files and profiles are kilobytes; trtexec profiles megabytes). */
export const MAX_JSON_BYTES = 64 << 20;

export interface ReadJsonOptions {
  /** The diagnostic for a file that is not JSON (e.g. BadTargetFile, BadProfile). */
  readonly invalid: DiagnosticName;
  readonly maxBytes?: number;
}

function fsWords(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': return 'permission denied';
    case 'EISDIR': return 'not a regular file (a directory)';
    case 'ENOTDIR': return 'a component of the path is not a directory';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'the name is too long';
    default: return (err.message ?? String(e)).split('\n')[0] ?? '';
  }
}

/**
 * Read a regular file of at most `maxBytes` bytes. Opened without blocking and checked on the
 * open descriptor, so a FIFO swapped in after a check still cannot hang the read.
 */
export function readRegularFile(file: string, maxBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new SplitcError('FileNotFound', fsWords(e), { file });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a file';
      throw new SplitcError('FileNotFound', `not a regular file (${kind})`, { file });
    }
    if (st.size > maxBytes) throw new SplitcError('FileTooLarge', `${st.size} bytes is more than the ${maxBytes} bytes read from such a file`, { file });
    // The size may change while reading (a file being written): read at most maxBytes + 1.
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) {
        if (n > maxBytes) throw new SplitcError('FileTooLarge', `more than the ${maxBytes} bytes read from such a file`, { file });
        break;
      }
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof SplitcError) throw e;
    throw new SplitcError('FileNotFound', fsWords(e), { file });
  } finally {
    closeSync(fd);
  }
}

/** Read and parse a JSON file (readRegularFile's checks; a syntax error is `options.invalid`). */
export function readJsonFile(file: string, options: ReadJsonOptions): unknown {
  const bytes = readRegularFile(file, options.maxBytes ?? MAX_JSON_BYTES);
  if (bytes.length === 0) throw new SplitcError(options.invalid, 'not JSON: the file is empty', { file });
  const text = new TextDecoder('utf-8').decode(bytes); // drops a UTF-8 BOM
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SplitcError(options.invalid, `not JSON: ${(e as Error).message}`, { file });
  }
}

/** One issue of a schema validation (zod's issues have this shape; no zod import needed here). */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The field path of an issue as messages write it: `devices.vck190.memory.bandwidthBytesPerS`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((k) => String(k)).join('.') || '(root)';
}

/**
 * The SplitcError for the first issue of a failed schema validation: `what` says what the file
 * should have been ("not a trtexec --exportProfile file"), the field names where it went wrong.
 */
export function schemaError(name: DiagnosticName, issues: readonly SchemaIssue[], file: string, what?: string): SplitcError {
  const i = issues[0];
  const message = i?.message ?? 'invalid';
  return new SplitcError(name, what !== undefined ? `${what}: ${message}` : message, { file, field: issuePath(i?.path ?? []) });
}
