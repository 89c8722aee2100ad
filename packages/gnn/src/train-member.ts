// A child process of `trainEnsemble` (ensemble.ts): receives one member's seed and options, trains
// it with `trainGnn` (exactly as in-process training would) and sends back its parameters and
// timings, or the error that stopped it. Not an entry point for users.

import type { MemberMessage, MemberOptions } from './ensemble.js';
import { trainGnn } from './train.js';

function send(m: MemberMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(m, undefined, {}, (e) => (e === null ? resolve() : reject(e))));
}

// The parent is gone (killed, or it stopped the ensemble): stop rather than train for nothing.
process.once('disconnect', () => process.exit(1));

process.once('message', (m: { readonly seed: number; readonly options: MemberOptions }) => {
  void (async () => {
    try {
      const r = await trainGnn({ ...m.options, seed: m.seed, onProgress: (progress) => void send({ type: 'progress', progress }) });
      const params = [...r.params].map(([k, v]) => [k, v.dataSync() as Float32Array] as const);
      await send({ type: 'done', result: { seed: m.seed, params, backend: r.backend, samples: r.samples, losses: r.losses, datasetSeconds: r.datasetSeconds, trainSeconds: r.trainSeconds } });
      process.exit(0);
    } catch (e) {
      await send({ type: 'error', message: e instanceof Error ? e.message : String(e) }).catch(() => undefined);
      process.exit(1);
    }
  })();
});
