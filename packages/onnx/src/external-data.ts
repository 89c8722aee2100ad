// External tensor data, confined to the model's directory. The onnx Python package has had a
// series of path-traversal CVEs here (../, subdir/../../, symlinks, hardlinks); the rules below
// refuse every one of those shapes before a single byte is read.

import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { SplitcError } from '@splitc/diagnostics';
import type { ExternalDataRef, OnnxTensor } from './proto.js';
import { dataTypeSize } from './proto.js';
import { elementCount } from './tensor-values.js';

export interface ResolvedExternal {
  /** Canonical path of the data file, inside the model directory. */
  readonly file: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Resolve an external-data reference against the model directory. Refuses absolute paths,
 * `..` segments, paths that leave the directory once symlinks are resolved, files with more than
 * one hard link, non-regular files, and ranges past the end of the file or unequal to the
 * tensor's byte size.
 */
export function resolveExternal(modelDir: string, tensor: OnnxTensor, ref: ExternalDataRef, file: string): ResolvedExternal {
  const where = { file, field: `tensor ${JSON.stringify(tensor.name)} external_data.location` };
  const loc = ref.location;
  if (loc.includes('\0')) throw new SplitcError('ExternalDataPath', 'location contains a NUL byte', where);
  if (path.isAbsolute(loc) || path.win32.isAbsolute(loc) || /^[a-zA-Z]:/.test(loc)) {
    throw new SplitcError('ExternalDataPath', `absolute path ${JSON.stringify(loc)}`, where);
  }
  const segments = loc.split(/[\\/]+/);
  if (segments.includes('..')) {
    throw new SplitcError('ExternalDataPath', `${JSON.stringify(loc)} contains '..'`, where);
  }
  let baseReal: string;
  try {
    baseReal = realpathSync(modelDir);
  } catch {
    throw new SplitcError('ExternalDataMissing', `model directory ${modelDir} cannot be resolved`, where);
  }
  const candidate = path.join(baseReal, ...segments.filter((s) => s !== '' && s !== '.'));
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new SplitcError('ExternalDataMissing', `${JSON.stringify(loc)} does not exist`, where);
  }
  if (!real.startsWith(baseReal + path.sep)) {
    throw new SplitcError('ExternalDataPath', `${JSON.stringify(loc)} resolves outside the model directory`, where);
  }
  // Refuse symlinks anywhere on the way, even ones that stay inside: what they point at can change.
  let walk = baseReal;
  for (const s of segments.filter((x) => x !== '' && x !== '.')) {
    walk = path.join(walk, s);
    if (lstatSync(walk).isSymbolicLink()) {
      throw new SplitcError('ExternalDataPath', `${JSON.stringify(loc)} goes through a symbolic link`, where);
    }
  }
  const st = statSync(real);
  if (!st.isFile()) throw new SplitcError('ExternalDataPath', `${JSON.stringify(loc)} is not a regular file`, where);
  if (st.nlink > 1) throw new SplitcError('ExternalDataPath', `${JSON.stringify(loc)} has ${st.nlink} hard links`, where);

  const rangeWhere = { file, field: `tensor ${JSON.stringify(tensor.name)} external_data` };
  const count = elementCount(tensor.dims);
  const expected = count * dataTypeSize(tensor.dataType);
  const length = ref.length ?? st.size - ref.offset;
  if (ref.offset > st.size) {
    throw new SplitcError('ExternalDataRange', `offset ${ref.offset} is past the end of ${JSON.stringify(loc)} (${st.size} bytes)`, rangeWhere);
  }
  if (ref.offset + length > st.size) {
    throw new SplitcError('ExternalDataRange', `offset ${ref.offset} + length ${length} is past the end of ${JSON.stringify(loc)} (${st.size} bytes)`, rangeWhere);
  }
  if (length !== expected) {
    throw new SplitcError('TensorDataShort', `external data holds ${length} bytes, shape [${tensor.dims.join(',')}] needs ${expected}`, rangeWhere);
  }
  return { file: real, offset: ref.offset, length };
}

/** Reads one external range. Opens with O_NOFOLLOW and re-checks the size, so a file swapped after validation is caught. */
export function readExternal(ext: ResolvedExternal, modelFile: string, tensorName: string): Uint8Array {
  const where = { file: modelFile, field: `tensor ${JSON.stringify(tensorName)} external_data` };
  let fd: number;
  try {
    fd = openSync(ext.file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch (e) {
    throw new SplitcError('ExternalDataMissing', `cannot open ${ext.file}: ${(e as Error).message}`, where);
  }
  try {
    const size = fstatSync(fd).size;
    if (ext.offset + ext.length > size) {
      throw new SplitcError('ExternalDataRange', `file ${ext.file} shrank to ${size} bytes`, where);
    }
    const out = Buffer.allocUnsafe(ext.length);
    let done = 0;
    while (done < ext.length) {
      const n = readSync(fd, out, done, ext.length - done, ext.offset + done);
      if (n === 0) throw new SplitcError('ExternalDataRange', `unexpected end of ${ext.file}`, where);
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
