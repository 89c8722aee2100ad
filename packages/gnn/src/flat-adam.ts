// Adam over every trainable variable at once. TensorFlow.js's AdamOptimizer updates each variable
// with its own fourteen operations (two moments, two bias corrections, the step): with the model's
// 40-odd small parameter tensors that is over 600 operations a training step, each paying tfjs's
// per-operation bookkeeping, about a sixth of the step. This optimizer lays every gradient end to
// end in one vector, runs the same operations once on that vector, and hands each variable its
// slice back.
//
// Every operation of Adam is elementwise, so each parameter sees exactly the arithmetic
// AdamOptimizer.applyGradients (tfjs-core 4.x) gives it — the same float32 operations, in the same
// order, with the same scalars — and training gives the same bits; gnn.test.ts's pinned training
// checks it. A variable with no gradient (one the loss does not reach, which is the config's doing,
// never a batch's) gets zeros: its moments stay zero and its value moves by −0, as AdamOptimizer
// leaves it alone.

import * as tf from '@tensorflow/tfjs';

export class FlatAdam {
  /** Set between epochs (the cosine decay), as AdamOptimizer's field is. */
  learningRate: number;
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.999;
  private readonly epsilon: number;
  private readonly vars: readonly tf.Variable[];
  private readonly sizes: readonly number[];
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly accBeta1: tf.Variable;
  private readonly accBeta2: tf.Variable;

  constructor(learningRate: number, vars: readonly tf.Variable[]) {
    this.learningRate = learningRate;
    this.vars = vars;
    this.sizes = vars.map((x) => x.size);
    // AdamOptimizer's defaults: β₁ 0.9, β₂ 0.999, ε the backend's.
    this.epsilon = tf.backend().epsilon();
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.variable(tf.zeros([total]), false);
    this.v = tf.variable(tf.zeros([total]), false);
    this.accBeta1 = tf.variable(tf.scalar(this.beta1), false);
    this.accBeta2 = tf.variable(tf.scalar(this.beta2), false);
  }

  /** One step: the gradients of f's value with respect to the variables, then Adam's update. Returns f's value. */
  minimize(f: () => tf.Scalar): tf.Scalar {
    const { value, grads } = tf.variableGrads(f, [...this.vars]);
    tf.tidy(() => {
      const g = tf.concat(this.vars.map((x) => (grads[x.name] ?? tf.zerosLike(x)).reshape([-1])));
      const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
      const newFirstMoment = tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1));
      const newSecondMoment = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
      const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
      this.m.assign(newFirstMoment);
      this.v.assign(newSecondMoment);
      const values = tf.concat(this.vars.map((x) => x.reshape([-1])));
      const newValues = tf.add(tf.mul(tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), this.epsilon)), -this.learningRate), values);
      // Back to the variables through JavaScript: the wasm backend's split and slice cost about
      // 0.2 ms per output (12 ms a step for the 43 variables), a read and 43 writes 0.15 ms.
      const all = newValues.dataSync();
      let at = 0;
      this.vars.forEach((x, i) => {
        x.assign(tf.tensor(all.subarray(at, at + this.sizes[i]!), x.shape, 'float32'));
        at += this.sizes[i]!;
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    tf.dispose(grads);
    return value;
  }

  dispose(): void {
    tf.dispose([this.m, this.v, this.accBeta1, this.accBeta2]);
  }
}
