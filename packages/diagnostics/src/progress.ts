// Progress reporting for long work (reading and hashing models, training, running a stream).
// Library code reports plain events; only the CLI decides whether and how to draw them.

/** One step of progress in a named phase. `total` is absent when the end is not known. */
export interface ProgressEvent {
  /** Short, stable phase name shown to the user, e.g. `read model`, `hash`, `train`. */
  readonly phase: string;
  /** Work done so far in `unit`s. */
  readonly done: number;
  readonly total?: number;
  readonly unit?: 'bytes' | 'items' | 'frames' | 'epochs';
}

/** Receives progress events; must be cheap (it is called from hot loops, throttling is its job). */
export type ProgressSink = (event: ProgressEvent) => void;
