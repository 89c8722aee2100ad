// Picks the TensorFlow.js backend once: wasm by default (installs from the registry alone, runs the
// same on every machine); tfjs-node's native backend only when asked for and installed.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'wasm' | 'cpu' | 'auto';

let chosen: Promise<string> | undefined;

/** Initialise the backend (idempotent); returns its name. `auto` tries tfjs-node, then wasm. */
export function initBackend(prefer: BackendName = 'wasm'): Promise<string> {
  chosen ??= (async () => {
    if (prefer === 'auto') {
      try {
        // Optional: only when it happens to be installed (never a dependency of splitc).
        const name = '@tensorflow/tfjs-node';
        await import(name);
        if (await tf.setBackend('tensorflow')) return 'tensorflow';
      } catch {
        // not installed: fall through to wasm
      }
    }
    const want = prefer === 'cpu' ? 'cpu' : 'wasm';
    if (!(await tf.setBackend(want))) throw new Error(`TensorFlow.js backend ${want} failed to initialise`);
    await tf.ready();
    return tf.getBackend();
  })();
  return chosen;
}
