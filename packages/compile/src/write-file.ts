// Writing outputs so that nobody sees half of them and nothing the user did not name is replaced:
// files (alone or as one group) and output directories are built beside their destination and
// renamed into place; signals that arrive meanwhile are held until the swap or the rollback is
// complete; temporaries left by dead runs (SIGKILL, power loss) are swept by the next run.

import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { SplitcError } from '@splitc/diagnostics';

/**
 * Longest output name (its last path component, in UTF-8 bytes): our temporary names add at most
 * 40 bytes to it and must stay under the 255-byte limit of Linux and macOS file systems.
 */
export const MAX_OUTPUT_NAME_BYTES = 200;

/**
 * Check an output path (`flag` names the option: the API's `output`, or a CLI flag) and return it
 * resolved. Refused with SPLITC9001: an empty path, a NUL, a path whose last component is `.` or
 * `..` (the current or a parent directory: `-o ''`, `-o .`, `-o a/..`), the filesystem root,
 * and a last component longer than MAX_OUTPUT_NAME_BYTES.
 */
export function validateOutputPath(p: string, flag: string): string {
  const usage = (why: string): never => { throw new SplitcError('Usage', `${flag} ${JSON.stringify(p)} ${why}`, { field: flag }); };
  if (p.trim() === '') usage('is empty: name the output');
  if (p.includes('\u0000')) usage('contains a NUL character');
  const trimmed = p.replace(/[/\\]+$/, '');
  const last = trimmed === '' ? '' : path.basename(trimmed);
  const resolved = path.resolve(p);
  if (last === '.' || last === '..' || path.normalize(trimmed) === '.' || path.normalize(trimmed) === '..' || resolved === path.parse(resolved).root) {
    usage('names the current directory, a parent or the filesystem root: name a new file or directory inside it');
  }
  const bytes = Buffer.byteLength(path.basename(resolved), 'utf8');
  if (bytes > MAX_OUTPUT_NAME_BYTES) usage(`has a last component of ${bytes} bytes; at most ${MAX_OUTPUT_NAME_BYTES} are allowed`);
  return resolved;
}

// --- signals -------------------------------------------------------------------------------------

const HELD_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Rollbacks of the critical sections running now (nested or one after another). */
const activeRollbacks = new Set<() => void>();
let listening = false;
let releasesPending = 0;

function onHeldSignal(signal: NodeJS.Signals): void {
  for (const rollback of activeRollbacks) {
    try { rollback(); } catch { /* best effort: the next run sweeps what is left */ }
  }
  activeRollbacks.clear();
  stopListening();
  // Die of the signal as if it had never been caught, unless the embedding program listens for it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function stopListening(): void {
  if (!listening) return;
  listening = false;
  for (const s of HELD_SIGNALS) process.removeListener(s, onHeldSignal);
}

/**
 * Hold SIGINT/SIGTERM/SIGHUP while `critical` runs. Node delivers a caught signal only when the
 * event loop turns, i.e. after `critical` (synchronous) has either completed the swap or rolled
 * it back; the process then dies of the signal as if it had never been caught — unless the
 * embedding program listens for it itself. One listener per signal however many sections run.
 */
function withSignalsHeld<T>(critical: () => T, rollback: () => void): T {
  if (!listening) {
    listening = true;
    for (const s of HELD_SIGNALS) process.on(s, onHeldSignal);
  }
  activeRollbacks.add(rollback);
  releasesPending++;
  try {
    return critical();
  } finally {
    activeRollbacks.delete(rollback);
    // A signal that arrived during `critical` is dispatched when the loop next polls for I/O; on
    // the loop's first turn that comes only after the first check phase, hence two turns.
    setImmediate(() => setImmediate(() => {
      releasesPending--;
      if (releasesPending === 0 && activeRollbacks.size === 0) stopListening();
    }));
  }
}

// --- stale temporaries -----------------------------------------------------------------------

/** The marker file in every temporary output directory: who made it. */
const PARTIAL_MARKER = '.splitc-partial';
const TEMP_DIR = /^\.(.+)\.splitc-(old-)?(\d+)$/;

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `dir` is a directory that splitc wrote: it holds a splitc manifest.json. */
export function isSplitcOutput(dir: string): boolean {
  try {
    const st = lstatSync(path.join(dir, 'manifest.json'));
    if (!st.isFile() || st.size > 256 << 20) return false;
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as unknown;
    return typeof m === 'object' && m !== null && typeof (m as { splitc?: unknown }).splitc === 'string'
      && typeof (m as { schemaVersion?: unknown }).schemaVersion === 'number' && Array.isArray((m as { artifacts?: unknown }).artifacts);
  } catch {
    return false;
  }
}

function isEmptyDir(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory() && readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

function madeHereBy(dir: string): number | undefined {
  try {
    const [host, pid] = readFileSync(path.join(dir, PARTIAL_MARKER), 'utf8').split('\n');
    return host === hostname() && /^\d+$/.test(pid ?? '') ? Number(pid) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Remove what dead splitc runs left in `parent`: temporary trees `.OUT.splitc-PID` that carry our
 * marker (written by this host, PID no longer running); and put back an output that a run
 * killed mid-swap had moved aside to `.OUT.splitc-old-PID` (or remove it when the new one is in
 * place). Anything without our marker or manifest is left alone. Returns what it removed or restored.
 */
export function sweepStale(parent: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names) {
    const m = TEMP_DIR.exec(name);
    if (m === null) continue;
    const pid = Number(m[3]);
    const dir = path.join(parent, name);
    try {
      if (!lstatSync(dir).isDirectory() || isAlive(pid)) continue;
      if (m[2] === undefined) {
        if (madeHereBy(dir) !== pid) continue;
        rmSync(dir, { recursive: true, force: true });
        done.push(dir);
      } else if (isSplitcOutput(dir)) {
        const original = path.join(parent, m[1]!);
        let exists = true;
        try { lstatSync(original); } catch { exists = false; }
        if (exists) rmSync(dir, { recursive: true, force: true });
        else renameSync(dir, original);
        done.push(dir);
      }
    } catch {
      // Another run got there first, or we may not touch it: leave it.
    }
  }
  return done;
}

// --- output directories ------------------------------------------------------------------------

/**
 * Check, before any work, that `output` may be written: a valid path (validateOutputPath); if it
 * exists, only with `force`, and only when it is a directory that splitc wrote (its manifest.json)
 * or an empty one — never a file, a symbolic link or anybody else's directory; never the
 * directory the process runs in or one of its parents, and never one that holds an input.
 * Returns the resolved path.
 */
export function checkOutputDir(output: string, force: boolean, inputs: readonly (string | undefined)[] = []): string {
  // Errors name the API options (output, force); the CLI shows their flags.
  const out = validateOutputPath(output, 'output');
  const inside = (p: string): boolean => p === out || p.startsWith(out + path.sep);
  if (inside(process.cwd())) throw new SplitcError('Usage', `output ${JSON.stringify(output)} is the current directory or one of its parents`, { field: 'output' });
  for (const i of inputs) {
    if (i !== undefined && inside(path.resolve(i))) throw new SplitcError('Usage', `output ${JSON.stringify(output)} holds the input ${JSON.stringify(i)}; write the output elsewhere`, { field: 'output' });
  }
  if (!exists(out)) return out;
  if (!force) throw new SplitcError('OutputExists', 'replaced only when forced', { file: output, field: 'force' });
  replaceable(out, output);
  return out;
}

function replaceable(out: string, shown: string): void {
  const st = lstatSync(out);
  const where = { file: shown, field: 'force' };
  if (st.isSymbolicLink()) throw new SplitcError('OutputExists', 'is a symbolic link; forcing replaces only a directory that splitc wrote', where);
  if (!st.isDirectory()) throw new SplitcError('OutputExists', 'is not a directory; forcing replaces only a directory that splitc wrote', where);
  if (!isSplitcOutput(out) && !isEmptyDir(out)) {
    throw new SplitcError('OutputExists', 'is not a splitc output (it has no splitc manifest.json); forcing replaces only a directory that splitc wrote', where);
  }
}

/**
 * Build a directory tree in `.OUT.splitc-PID` beside `out` (`fill` writes into it), then rename
 * it into place; with `force`, an existing splitc output is moved aside, replaced and removed.
 * Missing parents are created and removed again on failure. On any failure nothing is left
 * behind and `out` is as it was. Stale temporaries of dead runs in the parent are swept first.
 */
export function writeDirAtomic(out: string, force: boolean, fill: (tmp: string) => void): void {
  const parent = path.dirname(out);
  const tmp = path.join(parent, `.${path.basename(out)}.splitc-${process.pid}`);
  const old = path.join(parent, `.${path.basename(out)}.splitc-old-${process.pid}`);
  const created: string[] = [];
  for (let p = parent; !exists(p); p = path.dirname(p)) created.unshift(p);
  let movedAside = false;
  const rollback = (): void => {
    rmSync(tmp, { recursive: true, force: true });
    if (movedAside && !exists(out)) renameSync(old, out);
    movedAside = false;
    for (const p of [...created].reverse()) if (isEmptyDir(p)) rmSync(p, { recursive: true });
  };
  withSignalsHeld(() => {
    try {
      for (const p of created) mkdirSync(p);
      if (!statSync(parent).isDirectory()) throw new SplitcError('OutputUnwritable', `${parent} is not a directory`, { file: out });
      sweepStale(parent);
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp);
      writeFileSync(path.join(tmp, PARTIAL_MARKER), `${hostname()}\n${process.pid}\n`);
      fill(tmp);
      rmSync(path.join(tmp, PARTIAL_MARKER));
      if (exists(out)) {
        if (!force) throw new SplitcError('OutputExists', `${out} appeared while compiling`, { file: out });
        replaceable(out, out);
        renameSync(out, old);
        movedAside = true;
        renameSync(tmp, out);
        movedAside = false;
        rmSync(old, { recursive: true, force: true });
      } else {
        renameSync(tmp, out);
      }
    } catch (e) {
      try {
        rollback();
      } catch {
        // Nothing was created there (e.g. the parent is not a directory).
      }
      throw typed(e, out);
    }
  }, rollback);
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EEXIST: 'appeared while writing',
};

/** A typed error for any failure while writing (file system errors named in words, not by temp path). */
function typed(e: unknown, file: string): SplitcError {
  if (e instanceof SplitcError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const words = code !== undefined ? FS_ERRORS[code] : undefined;
  return new SplitcError('OutputUnwritable', words !== undefined ? `${words} (${code})` : ((e as Error).message.split('\n')[0] ?? String(e)), { file });
}

// --- files -------------------------------------------------------------------------------------

export interface OutputFile {
  readonly file: string;
  readonly data: string | Uint8Array;
}

/** Write one file atomically (beside it, then rename): a reader never sees half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  writeFilesAtomic([{ file, data }]);
}

/**
 * Write several files as one: all of them appear, or none does and any file they would have
 * replaced is as it was. Each is written beside its destination first; only when every one is
 * written are they renamed into place (a replaced file is kept aside until all renames succeed).
 */
export function writeFilesAtomic(files: readonly OutputFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    const abs = path.resolve(f.file);
    if (seen.has(abs)) throw new SplitcError('Usage', `${JSON.stringify(f.file)} is named for two outputs`, { file: f.file });
    seen.add(abs);
  }
  const staged = files.map((f, i) => {
    const dir = path.dirname(path.resolve(f.file));
    const base = path.basename(f.file);
    return { ...f, tmp: path.join(dir, `.${base}.splitc-${process.pid}-${i}.tmp`), aside: path.join(dir, `.${base}.splitc-old-${process.pid}-${i}.tmp`), placed: false, setAside: false };
  });
  const rollback = (): void => {
    for (const s of [...staged].reverse()) {
      rmSync(s.tmp, { force: true });
      if (s.placed) { rmSync(s.file, { force: true }); s.placed = false; }
      if (s.setAside) { renameSync(s.aside, s.file); s.setAside = false; }
    }
  };
  withSignalsHeld(() => {
    let current = staged[0]?.file ?? '';
    try {
      for (const s of staged) {
        current = s.file;
        let st;
        try { st = statSync(s.file); } catch { st = undefined; }
        if (st !== undefined && st.isDirectory()) throw new SplitcError('OutputUnwritable', 'is a directory', { file: s.file });
        writeFileSync(s.tmp, s.data);
      }
      for (const s of staged) {
        current = s.file;
        if (exists(s.file)) {
          renameSync(s.file, s.aside);
          s.setAside = true;
        }
        renameSync(s.tmp, s.file);
        s.placed = true;
      }
      for (const s of staged) if (s.setAside) { rmSync(s.aside, { force: true }); s.setAside = false; }
    } catch (e) {
      try {
        rollback();
      } catch {
        // Best effort; what could not be undone is named by the error below.
      }
      throw typed(e, current);
    }
  }, rollback);
}
