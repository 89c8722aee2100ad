// FlatAdam (one Adam step over every variable laid end to end) must give each parameter exactly
// what TensorFlow.js's AdamOptimizer gives it: the same bits after every step, with the learning
// rate changed between steps as training's cosine decay does, and a variable the loss does not
// reach left unchanged, as AdamOptimizer leaves it. (gnn.test.ts's pinned training checks the same
// on the real model: its weights' sha256 is the one tfjs's optimizer gave.)
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '@splitc/gnn';
import { Rng } from '@splitc/zoo';
import { FlatAdam } from '../src/flat-adam.js';

function variables(seed: number): tf.Variable[] {
  const r = new Rng(seed);
  const v = (shape: number[]) => tf.variable(tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.next() - 0.5), shape));
  return [v([3, 4]), v([4]), v([2, 5]), v([7])];
}

describe('FlatAdam', () => {
  it('gives every parameter the bits AdamOptimizer gives it, step after step, and leaves a variable without a gradient alone', async () => {
    await initBackend('wasm');
    const x = tf.tensor2d([[0.3, -1.2, 2.0], [1.5, 0.25, -0.75]]);
    // The fourth variable is not in the loss: no gradient reaches it.
    const lossOf = ([a, b, c]: tf.Variable[]) => () => tf.tidy(() => {
      const h = tf.relu(tf.add(tf.matMul(x, a!), b!));
      return tf.sum(tf.square(tf.sub(tf.matMul(h, tf.transpose(c!.slice([0, 0], [2, 4]))), 0.5))).add(tf.sum(tf.exp(c!)).mul(0.01)) as tf.Scalar;
    });
    const ours = variables(7);
    const theirs = variables(7);
    const initial = ours[3]!.dataSync().slice();
    const flat = new FlatAdam(0.01, ours);
    const adam = tf.train.adam(0.01);
    for (let step = 0; step < 12; step++) {
      const lr = 0.01 * (0.1 + 0.45 * (1 + Math.cos((Math.PI * step) / 12)));
      flat.learningRate = lr;
      (adam as unknown as { learningRate: number }).learningRate = lr;
      const a = flat.minimize(lossOf(ours));
      const b = adam.minimize(lossOf(theirs), true, theirs)!;
      expect(a.dataSync()[0]).toBe(b.dataSync()[0]);
      tf.dispose([a, b]);
      ours.forEach((v, i) => {
        const [p, q] = [v.dataSync(), theirs[i]!.dataSync()];
        for (let j = 0; j < p.length; j++) if (!Object.is(p[j], q[j])) expect.fail(`step ${step}, variable ${i}, element ${j}: ${p[j]} vs ${q[j]}`);
      });
    }
    expect(Array.from(ours[3]!.dataSync())).toEqual(Array.from(initial));
    // The optimizer moved the others.
    expect(Array.from(ours[0]!.dataSync())).not.toEqual(Array.from(variables(7)[0]!.dataSync()));
    flat.dispose();
    adam.dispose();
  });
});
