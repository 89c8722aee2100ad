// Bounded FIFO queues between pipeline stages: a full queue makes the producer wait
// (backpressure); a failed queue wakes every waiter with the error, so one failure stops all stages.

export class BoundedQueue<T> {
  private readonly items: { item: T; at: number }[] = [];
  private readonly takers: ((v: { item: T; at: number } | undefined) => void)[] = [];
  private readonly givers: (() => void)[] = [];
  private closed = false;
  private error: unknown = undefined;
  private failed = false;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`splitc internal error: queue capacity ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  /** Wait for room, then enqueue. Rejects once the queue failed. */
  async push(item: T): Promise<void> {
    while (!this.failed && this.items.length >= this.capacity && this.takers.length === 0) {
      await new Promise<void>((r) => this.givers.push(r));
    }
    if (this.failed) throw this.error;
    if (this.closed) throw new Error('splitc internal error: push after close');
    const entry = { item, at: performance.now() };
    const taker = this.takers.shift();
    if (taker !== undefined) taker(entry);
    else this.items.push(entry);
  }

  /** The next item with the time it was enqueued; undefined after close once drained. */
  async popEntry(): Promise<{ item: T; at: number } | undefined> {
    if (this.failed) throw this.error;
    const e = this.items.shift();
    if (e !== undefined) {
      this.givers.shift()?.();
      return e;
    }
    if (this.closed) return undefined;
    const v = await new Promise<{ item: T; at: number } | undefined>((r) => this.takers.push(r));
    if (this.failed) throw this.error;
    return v;
  }

  async pop(): Promise<T | undefined> {
    return (await this.popEntry())?.item;
  }

  /** No more items: takers get undefined once the queue is empty. */
  close(): void {
    this.closed = true;
    for (const t of this.takers.splice(0)) t(undefined);
  }

  /** Abort: every waiting and later push/pop rejects with `error`. */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error;
    this.items.length = 0;
    for (const t of this.takers.splice(0)) t(undefined);
    for (const g of this.givers.splice(0)) g();
  }
}
