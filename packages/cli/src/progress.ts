// Draws progress events as one self-overwriting line on a terminal's stderr. Off the terminal, under
// --json or --quiet, it draws nothing: CI logs and JSON output stay clean.

import type { ProgressEvent, ProgressSink } from '@splitc/diagnostics';

export interface ProgressTerminal {
  readonly write: (s: string) => void;
  /** Terminal width in columns. */
  readonly columns: number;
}

export interface ProgressLine {
  readonly sink: ProgressSink;
  /** Erase the line (if one was drawn); call before printing anything else and at the end. */
  readonly end: () => void;
}

export interface ProgressOptions {
  /** Draw nothing before this much time has passed since the first event: short work stays silent. */
  readonly delayMs?: number;
  /** Redraw at most this often. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const NONE: ProgressLine = { sink: () => {}, end: () => {} };

/** A progress line on `terminal`, or a no-op when `terminal` is undefined (not a TTY, --json, --quiet). */
export function progressLine(terminal: ProgressTerminal | undefined, options: ProgressOptions = {}): ProgressLine {
  if (terminal === undefined) return NONE;
  const { delayMs = 250, intervalMs = 100, now = Date.now } = options;
  let first: number | undefined;
  let lastDraw = -Infinity;
  let lastPhase = '';
  let drawn = false;
  return {
    sink(e: ProgressEvent): void {
      const t = now();
      first ??= t;
      if (t - first < delayMs) return;
      const finished = e.total !== undefined && e.done >= e.total;
      if (e.phase === lastPhase && !finished && t - lastDraw < intervalMs) return;
      lastDraw = t;
      lastPhase = e.phase;
      terminal.write(`\r${formatProgress(e, terminal.columns)}\x1b[K`);
      drawn = true;
    },
    end(): void {
      if (drawn) terminal.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** `read model [#########-----------]  45%  108.2/240.3 MB`, fitted to `columns`. */
export function formatProgress(e: ProgressEvent, columns: number): string {
  const amount = e.total === undefined ? quantity(e.done, e.unit) : `${quantity(e.done, e.unit, e.total, false)}/${quantity(e.total, e.unit)}`;
  if (e.total === undefined || e.total <= 0) return clip(`${e.phase}  ${amount}`, columns);
  const fraction = Math.min(1, Math.max(0, e.done / e.total));
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const fixed = e.phase.length + pct.length + amount.length + 7;
  const width = Math.max(0, Math.min(30, columns - 1 - fixed));
  const bar = width >= 5 ? ` [${'#'.repeat(Math.round(fraction * width)).padEnd(width, '-')}]` : '';
  return clip(`${e.phase}${bar} ${pct}  ${amount}`, columns);
}

function quantity(n: number, unit: ProgressEvent['unit'], scale = n, withUnit = true): string {
  if (unit !== 'bytes') return String(Math.round(n)) + (!withUnit || unit === undefined || unit === 'items' ? '' : ` ${unit}`);
  // The numerator takes the denominator's scale so `12.0/240.3 MB` reads as one quantity.
  const [div, suffix] = scale >= 1e9 ? [1e9, 'GB'] : scale >= 1e6 ? [1e6, 'MB'] : scale >= 1e3 ? [1e3, 'kB'] : [1, 'B'];
  const value = div === 1 ? String(n) : (n / div).toFixed(1);
  return withUnit ? `${value} ${suffix}` : value;
}

function clip(s: string, columns: number): string {
  return s.length < columns ? s : s.slice(0, Math.max(0, columns - 1));
}
