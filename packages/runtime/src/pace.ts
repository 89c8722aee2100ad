// Pacing a stage to a given service time, as a queueing server: a job that arrived at `arrival`
// finishes at max(arrival, the previous job's finish) + its service time, so timer overshoot on
// one job is absorbed by the next instead of accumulating.

export class Pacer {
  private lastFinish = 0;

  /** Wait until this job's scheduled finish; `arrival` in performance.now() ms. */
  async finish(arrival: number, serviceMs: number): Promise<void> {
    const due = Math.max(arrival, this.lastFinish) + serviceMs;
    this.lastFinish = due;
    await sleepUntil(due);
  }
}

/** Sleep until a performance.now() deadline: a timer for the bulk, then short yields. */
export async function sleepUntil(deadline: number): Promise<void> {
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return;
    if (left > 2) await new Promise((r) => setTimeout(r, left - 1.5));
    else await new Promise((r) => setImmediate(r));
  }
}
