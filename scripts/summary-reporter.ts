// A vitest reporter that ends the run with the plain closing line CI reads:
// "N passed, N failed, N skipped" alone on a line.
import type { Reporter } from 'vitest/reporters';

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] };

export default class SummaryReporter implements Reporter {
  onFinished(files: readonly Task[] = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const walk = (t: Task): void => {
      if (t.type === 'test') {
        const s = t.result?.state;
        if (s === 'pass') passed++;
        else if (s === 'fail') failed++;
        else skipped++;
      }
      for (const c of t.tasks ?? []) walk(c);
    };
    for (const f of files) walk(f);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
