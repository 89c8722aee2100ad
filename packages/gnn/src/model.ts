// The split predictor in TensorFlow.js: message passing over the layer graph (forward and backward
// edges, a global mean node), conditioned on the target descriptor. Each layer's node predicts the
// layer's time on each device and each cut's node the link time; prefix and suffix sums give every
// cut's predicted stage times, combined by the objective (max for stream, sum for latency) into one
// score per node, argmin over the valid cuts. It is trained on the exact planner's stage times of
// every prefix cut (labels), never given the latency model's outputs as inputs. Message passing is a tf.customGrad step (scatterND of gathered rows, and the
// same with the edges reversed for the gradient): tfjs's own gather gradient goes through
// unsortedSegmentSum, which the wasm backend lacks and the cpu backend runs in quadratic time.

import * as tf from '@tensorflow/tfjs';
import { elementCount } from '@splitc/diagnostics';
import { Rng } from '@splitc/zoo';
import { featureChoice, NODE_FEATURES, nodeFeatureCount, TARGET_FEATURES, type GraphFeatures } from './features.js';
import { nodeMask, structureOffsets, targetMask } from './structure.js';
import { COST_EPS, HEAD_GAIN, INITIAL_LOG_MS, isStatistic, LAYER_EPS, LOG_MAX, LOG_MIN, paramShapes, STREAM_COLUMN, type ModelConfig } from './config.js';

export { DEFAULT_CONFIG, paramShapes, type ModelConfig } from './config.js';

export type Params = ReadonlyMap<string, tf.Tensor>;

const COMPONENT_WEIGHTS = new Set(['time/o', 'time/xo', 'time/to', 'link/o', 'link/xo', 'link/to']);

/** Glorot-uniform weights and zero biases from a seeded generator (tfjs initializer seeds are not relied on). */
export function initParams(cfg: ModelConfig, seed: number): Map<string, tf.Variable> {
  const r = new Rng(seed);
  const K = cfg.components ?? 0;
  const out = new Map<string, tf.Variable>();
  for (const [name, shape] of paramShapes(cfg)) {
    const n = elementCount(shape);
    const data = new Float32Array(n);
    if (shape.length === 2) {
      // A components head starts small (its terms near their biases: a term over LOG_MAX would
      // get no gradient through the clip).
      const limit = Math.sqrt(6 / (shape[0]! + shape[1]!)) * (K > 0 && COMPONENT_WEIGHTS.has(name) ? 0.1 : 1);
      for (let i = 0; i < n; i++) data[i] = (r.next() * 2 - 1) * limit;
    } else if (INITIAL_LOG_MS[name] !== undefined) {
      // The K terms of a components head start e^-2 apart (which also makes them differ).
      for (let i = 0; i < n; i++) data[i] = INITIAL_LOG_MS[name]! - (K > 0 ? (i % K) * (2 / HEAD_GAIN) : 0);
    } else if (name.endsWith('-std')) {
      data.fill(1);
    }
    out.set(name, tf.variable(tf.tensor(data, shape), !isStatistic(name)));
  }
  return out;
}

/** Several graphs as one disjoint graph, with the tensors the forward pass needs. */
export interface Batch {
  readonly graphs: number;
  readonly nodes: number;
  /** Node offset of each graph. */
  readonly offsets: readonly number[];
  readonly x: tf.Tensor2D;
  /** The target descriptor of each node's graph. */
  readonly t: tf.Tensor2D;
  /** Each edge's source and destination node, [edges, 1] (gatherND's and scatterND's index form). */
  readonly srcNd: tf.Tensor2D;
  readonly dstNd: tf.Tensor2D;
  /** 1 / in-degree and 1 / out-degree (0 where none), [nodes, 1]. */
  readonly invIn: tf.Tensor2D;
  readonly invOut: tf.Tensor2D;
  /** Membership [graphs, nodes], its transpose, and 1 / nodes per graph. */
  readonly member: tf.Tensor2D;
  readonly memberT: tf.Tensor2D;
  readonly invCount: tf.Tensor2D;
  /** Row g selects the node just before graph g (none for the first graph), and its transpose. */
  readonly prevSel: tf.Tensor2D;
  readonly prevSelT: tf.Tensor2D;
  /** Row g selects graph g's last node, and its transpose. */
  readonly lastSel: tf.Tensor2D;
  readonly lastSelT: tf.Tensor2D;
  /** 1 on valid cuts, [nodes, 1]. */
  readonly valid: tf.Tensor2D;
  /** 1 except on the source node / the last node / cuts nothing crosses / stream targets, [nodes, 1]. */
  readonly notSource: tf.Tensor2D;
  readonly notLast: tf.Tensor2D;
  readonly hasBytes: tf.Tensor2D;
  readonly stream: tf.Tensor2D;
  /** Training labels and their weights, [nodes, LABELS] each (see LABEL_COLUMNS). */
  readonly labels?: tf.Tensor2D;
  readonly weights?: tf.Tensor2D;
  /** Log of the graph's best objective, per node, and the soft target of each cut (0 on invalid cuts; sums to 1 per graph), [nodes, 1] each. */
  readonly bestLog?: tf.Tensor2D;
  readonly soft?: tf.Tensor2D;
  /** The graphs and targets themselves (the structured heads' fixed offsets are computed from them). */
  readonly items: readonly BatchItem[];
}

/**
 * The exact planner's stage times of every prefix cut (ms; NaN where the cut is invalid), and each
 * layer's times on each device (node i + 1 = layer i; the DPU stream share is its batch time over
 * its parallel frames). Labels only: none of these is ever an input.
 */
export interface StageLabels {
  readonly objective: Float64Array;
  readonly dpuMs: Float64Array;
  /** A stream's DPU stage of every prefix cut: (batch time + per-frame overhead) / parallel frames. */
  readonly dpuStreamMs: Float64Array;
  readonly gpuMs: Float64Array;
  readonly linkMs: Float64Array;
  readonly layerDpuMs: Float64Array;
  readonly layerDpuStreamMs: Float64Array;
  readonly layerGpuMs: Float64Array;
}

/** Columns of the forward output and of the labels (all natural logs of ms). */
export const LABEL_COLUMNS = ['objective', 'dpu-stage', 'gpu-stage', 'link', 'layer-dpu', 'layer-dpu-stream', 'layer-gpu'] as const;
const L = LABEL_COLUMNS.length;
/** Loss weight of each column: the cut's objective most, then the parts it is made of. */
const COLUMN_WEIGHTS = [1, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3];

export interface BatchItem {
  readonly features: GraphFeatures;
  readonly descriptor: Float32Array;
  readonly labels?: StageLabels;
}

/** Cuts within a few percent of the best weigh more: that is where the choice is made. */
const NEAR_WEIGHT = 9;
const NEAR_SCALE = 0.02;
/**
 * The choice itself: a cross-entropy between the softmax of the predicted log objectives (at
 * temperature RANK_TEMPERATURE) over each graph's valid cuts and soft targets exp(-regret /
 * RANK_SOFTNESS), so cuts within about a percent of the optimum are equally right (near-ties are
 * not punished), weighted RANK_WEIGHT (or the training's `rankWeight`) against the regression.
 */
const RANK_TEMPERATURE = 0.02;
const RANK_SOFTNESS = 0.01;
export const RANK_WEIGHT = 0.01;
const RANK_CLIP = 60;

/** How a batch's labels are weighted and which DPU stage column 1 holds (the training's and the config's settings). */
export interface BatchOptions {
  /** Every label weight of a graph divided by its node count (TrainOptions.graphBalance). */
  readonly graphBalance?: boolean;
  /** Column 1's label is the DPU stage the objective uses (ModelConfig.objectiveStage). */
  readonly objectiveStage?: boolean;
  /** The stage columns weigh the cuts near the optimum as the objective column does (ModelConfig.stageNear). */
  readonly stageNear?: boolean;
  /** The model reads the on-chip bank features too (ModelConfig.bankFeatures). */
  readonly bankFeatures?: boolean;
  /** The model reads the GPU's kernel-structure features too (ModelConfig.gpuFeatures). */
  readonly gpuFeatures?: boolean;
  /** The model reads the DPU classes too (ModelConfig.dpuClassFeatures). */
  readonly dpuClassFeatures?: boolean;
}

/**
 * One batch of graphs. With `graphBalance`, every label weight of a graph is divided by its node
 * count, so each graph weighs the same in the regression, whatever its size (by default a graph
 * weighs as many times more as it has nodes).
 */
export function makeBatch(items: readonly BatchItem[], options: BatchOptions = {}): Batch {
  const graphBalance = options.graphBalance === true;
  // Each row of a graph's x holds every computed feature (S); the batch keeps the F the model reads.
  const S = NODE_FEATURES.length;
  const F = nodeFeatureCount(options);
  const T = TARGET_FEATURES.length;
  const offsets: number[] = [];
  let N = 0;
  let E = 0;
  for (const it of items) { offsets.push(N); N += it.features.nodes; E += it.features.src.length; }
  const x = new Float32Array(N * F);
  const t = new Float32Array(N * T);
  const src = new Int32Array(E);
  const dst = new Int32Array(E);
  const inDeg = new Float32Array(N);
  const outDeg = new Float32Array(N);
  const member = new Float32Array(items.length * N);
  const memberT = new Float32Array(N * items.length);
  const invCount = new Float32Array(items.length);
  const valid = new Float32Array(N);
  const notSource = new Float32Array(N);
  const notLast = new Float32Array(N);
  const hasBytes = new Float32Array(N);
  const stream = new Float32Array(N);
  const labels = new Float32Array(N * L);
  const weights = new Float32Array(N * L);
  const bestLog = new Float32Array(N);
  const soft = new Float32Array(N);
  const withLabels = items.every((it) => it.labels !== undefined);
  let e = 0;
  items.forEach((it, gi) => {
    const f = it.features;
    const o = offsets[gi]!;
    if (F === S) x.set(f.x, o * F);
    else for (let i = 0; i < f.nodes; i++) x.set(f.x.subarray(i * S, i * S + F), (o + i) * F);
    for (let i = 0; i < f.nodes; i++) {
      t.set(it.descriptor, (o + i) * T);
      member[gi * N + o + i] = 1;
      memberT[(o + i) * items.length + gi] = 1;
      valid[o + i] = f.valid[i]!;
      notSource[o + i] = i === 0 ? 0 : 1;
      notLast[o + i] = i === f.nodes - 1 ? 0 : 1;
      hasBytes[o + i] = f.cutBytes[i]! > 0 ? 1 : 0;
      stream[o + i] = it.descriptor[STREAM_COLUMN]!;
    }
    if (withLabels) {
      const lb = it.labels!;
      const scale = graphBalance ? 1 / f.nodes : 1;
      let best = Infinity;
      for (let i = 0; i < f.nodes; i++) if (f.valid[i] && lb.objective[i]! < best) best = lb.objective[i]!;
      for (let i = 0; i < f.nodes; i++) {
        const r = (o + i) * L;
        const put = (c: number, v: number, w: number) => { if (w > 0 && v > 0) { labels[r + c] = Math.log(v); weights[r + c] = w * scale; } };
        if (i > 0) {
          put(4, lb.layerDpuMs[i]! + LAYER_EPS, 1);
          put(5, lb.layerDpuStreamMs[i]! + LAYER_EPS, 1);
          put(6, lb.layerGpuMs[i]! + LAYER_EPS, 1);
        }
        if (!f.valid[i]) continue;
        const near = 1 + NEAR_WEIGHT * Math.exp(-(lb.objective[i]! / best - 1) / NEAR_SCALE);
        const stage = options.stageNear === true ? near : 1;
        put(0, lb.objective[i]!, near);
        put(1, options.objectiveStage === true && stream[o + i] === 1 ? lb.dpuStreamMs[i]! : lb.dpuMs[i]!, i > 0 ? stage : 0);
        put(2, lb.gpuMs[i]!, i < f.nodes - 1 ? stage : 0);
        put(3, lb.linkMs[i]!, stage);
      }
      let z = 0;
      for (let i = 0; i < f.nodes; i++) {
        bestLog[o + i] = Math.log(best + COST_EPS);
        if (f.valid[i]) { soft[o + i] = Math.exp(-(lb.objective[i]! / best - 1) / RANK_SOFTNESS); z += soft[o + i]!; }
      }
      for (let i = 0; i < f.nodes; i++) soft[o + i]! /= z;
    }
    invCount[gi] = 1 / f.nodes;
    for (let j = 0; j < f.src.length; j++) {
      src[e] = o + f.src[j]!;
      dst[e] = o + f.dst[j]!;
      outDeg[src[e]!]! += 1;
      inDeg[dst[e]!]! += 1;
      e++;
    }
  });
  const inv = (d: Float32Array) => d.map((v) => (v > 0 ? 1 / v : 0));
  const B = items.length;
  const prevSel = new Float32Array(B * N);
  const prevSelT = new Float32Array(N * B);
  offsets.forEach((o, gi) => { if (o > 0) { prevSel[gi * N + o - 1] = 1; prevSelT[(o - 1) * B + gi] = 1; } });
  const lastSel = new Float32Array(B * N);
  const lastSelT = new Float32Array(N * B);
  offsets.forEach((o, gi) => { const last = o + items[gi]!.features.nodes - 1; lastSel[gi * N + last] = 1; lastSelT[last * B + gi] = 1; });
  return {
    graphs: items.length, nodes: N, offsets, items,
    x: tf.tensor2d(x, [N, F]), t: tf.tensor2d(t, [N, T]),
    srcNd: tf.tensor2d(src, [E, 1], 'int32'), dstNd: tf.tensor2d(dst, [E, 1], 'int32'),
    invIn: tf.tensor2d(inv(inDeg), [N, 1]), invOut: tf.tensor2d(inv(outDeg), [N, 1]),
    member: tf.tensor2d(member, [items.length, N]), memberT: tf.tensor2d(memberT, [N, items.length]), invCount: tf.tensor2d(invCount, [items.length, 1]),
    prevSel: tf.tensor2d(prevSel, [B, N]), prevSelT: tf.tensor2d(prevSelT, [N, B]),
    lastSel: tf.tensor2d(lastSel, [B, N]), lastSelT: tf.tensor2d(lastSelT, [N, B]),
    valid: tf.tensor2d(valid, [N, 1]),
    notSource: tf.tensor2d(notSource, [N, 1]), notLast: tf.tensor2d(notLast, [N, 1]), hasBytes: tf.tensor2d(hasBytes, [N, 1]), stream: tf.tensor2d(stream, [N, 1]),
    ...(withLabels ? { labels: tf.tensor2d(labels, [N, L]), weights: tf.tensor2d(weights, [N, L]), bestLog: tf.tensor2d(bestLog, [N, 1]), soft: tf.tensor2d(soft, [N, 1]) } : {}),
  };
}

export function disposeBatch(b: Batch): void {
  for (const v of Object.values(b)) if (v instanceof tf.Tensor) v.dispose();
  for (const v of inputTransposes.get(b) ?? []) v.dispose();
  inputTransposes.delete(b);
}

/**
 * The standardised node features' and targets' transposes of a batch in training, made by its
 * first forward pass (the standardisation's statistics are not trained, so they stay right).
 */
const inputTransposes = new WeakMap<Batch, [tf.Tensor2D, tf.Tensor2D]>();

/**
 * Sum of h over each node's in-edges (from → to), with the transposed step as its gradient. The
 * rows are gathered with gatherND, not gather: the wasm backend's GatherV2 kernel took ~1.5 ms for
 * 2,000 rows of 16 (about 12% of a training step), its GatherNd kernel ~0.1 ms; both copy the same
 * rows, so the results are the same bits.
 */
function propagate(h: tf.Tensor2D, fromNd: tf.Tensor2D, toNd: tf.Tensor2D): tf.Tensor2D {
  const shape = h.shape;
  if (fromNd.shape[0] === 0) return tf.zerosLike(h);
  if (!training) return tf.scatterND(toNd, tf.gatherND(h, fromNd), shape) as tf.Tensor2D;
  const step = tf.customGrad(((x: tf.Tensor) => ({
    value: tf.scatterND(toNd, tf.gatherND(x, fromNd), shape),
    gradFunc: (dy: tf.Tensor) => tf.scatterND(fromNd, tf.gatherND(dy, toNd), shape),
  })) as unknown as CustomFn);
  return step(h) as tf.Tensor2D;
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

/** Inference skips the custom-gradient wrappers (their bookkeeping costs more than the kernels on small graphs). */
let training = false;

/** Run `fn` with the custom-gradient ops (training). */
export function withGradients<T>(fn: () => T): T {
  const was = training;
  training = true;
  try {
    return fn();
  } finally {
    training = was;
  }
}

/**
 * a @ w with gradients through explicit transposes: the wasm backend's transposed matMul is an
 * order of magnitude slower than transpose + plain matMul. `constA` skips a's gradient (inputs);
 * given as a's transpose (an input used by several products: the node features, the targets), it
 * also spares each product's gradient its own transpose of a.
 */
function linear(a: tf.Tensor2D, w: tf.Tensor2D, constA: boolean | tf.Tensor2D = false): tf.Tensor2D {
  if (!training) return tf.matMul(a, w);
  const aT = constA instanceof tf.Tensor ? constA : undefined;
  const f = tf.customGrad(((x: tf.Tensor2D, y: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([x, y]);
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor2D, [sx, sy]: tf.Tensor2D[]) => [constA !== false ? tf.zerosLike(sx!) : tf.matMul(dy, tf.transpose(sy!)), tf.matMul(aT ?? tf.transpose(sx!), dy)],
    };
  }) as unknown as CustomFn);
  return f(a, w) as tf.Tensor2D;
}

/**
 * [width × columns]: column j is 1 at row picks[j] (selects those columns of an [n × width] matrix),
 * and its transpose. A product with it is exact for finite values (one term times 1, the rest
 * times 0; every tensor it meets here is finite: logs of positive sums, clipped exponents) and on
 * the wasm backend ~10× faster than Slice and Concat, whose kernels took ~0.25 and ~0.75 ms on a
 * batch's columns. Kept outside any tidy, as sumMatrix's.
 */
const selectMatrices = new Map<string, [tf.Tensor2D, tf.Tensor2D]>();
function selectMatrix(width: number, picks: readonly number[]): [tf.Tensor2D, tf.Tensor2D] {
  const key = `${width}:${picks.join(',')}`;
  let hit = selectMatrices.get(key);
  if (hit === undefined || hit[0].isDisposed) {
    const m = new Float32Array(width * picks.length);
    picks.forEach((r, j) => { m[r * picks.length + j] = 1; });
    const S = tf.keep(tf.tensor2d(m, [width, picks.length]));
    hit = [S, tf.keep(tf.transpose(S))];
    selectMatrices.set(key, hit);
  }
  return hit;
}

/** Columns `picks` of h, in that order (an exact product with a selection matrix). */
function pick(h: tf.Tensor2D, picks: readonly number[]): tf.Tensor2D {
  const [S, ST] = selectMatrix(h.shape[1], picks);
  return constRight(h, S, ST);
}

/** Matrices side by side, [n × Σ widths]: each placed by an exact product, then summed (each entry has one term that is not zero). */
function joinColumns(parts: readonly tf.Tensor2D[]): tf.Tensor2D {
  const total = parts.reduce((s, p) => s + p.shape[1], 0);
  let at = 0;
  const placed = parts.map((p) => {
    const w = p.shape[1];
    // placement [w × total]: row r to column at + r, the transpose of selecting those columns
    const [S, ST] = selectMatrix(total, Array.from({ length: w }, (_, r) => at + r));
    at += w;
    return constRight(p, ST, S);
  });
  return placed.length === 1 ? placed[0]! : tf.addN(placed) as tf.Tensor2D;
}

/** m @ h for a constant m whose transpose is at hand (membership sums and broadcasts). */
function constLeft(m: tf.Tensor2D, mT: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  if (!training) return tf.matMul(m, h);
  const f = tf.customGrad(((x: tf.Tensor2D) => ({
    value: tf.matMul(m, x),
    gradFunc: (dy: tf.Tensor2D) => tf.matMul(mT, dy),
  })) as unknown as CustomFn);
  return f(h) as tf.Tensor2D;
}

/** h @ m for a constant m whose transpose is at hand. */
function constRight(h: tf.Tensor2D, m: tf.Tensor2D, mT: tf.Tensor2D): tf.Tensor2D {
  if (!training) return tf.matMul(h, m);
  const f = tf.customGrad(((x: tf.Tensor2D) => ({
    value: tf.matMul(x, m),
    gradFunc: (dy: tf.Tensor2D) => tf.matMul(dy, mT),
  })) as unknown as CustomFn);
  return f(h) as tf.Tensor2D;
}

/** Exclusive reverse cumulative sum down the rows (y_i = Σ_{j>i} x_j), with the exclusive forward cumulative sum as its gradient. */
const revCumsumRows = (x: tf.Tensor2D): tf.Tensor2D => (training ? revCumsumWithGrad(x) as tf.Tensor2D : tf.cumsum(x, 0, true, true));
const revCumsumWithGrad = tf.customGrad(((x: tf.Tensor2D) => ({
  value: tf.cumsum(x, 0, true, true),
  gradFunc: (dy: tf.Tensor2D) => tf.cumsum(dy, 0, true, false),
})) as unknown as CustomFn);

/** Inclusive cumulative sum down the rows, with the reverse cumulative sum as its gradient (tfjs's own Cumsum gradient is wrong for axis 0 of a matrix). */
const cumsumRows = (x: tf.Tensor2D): tf.Tensor2D => (training ? cumsumWithGrad(x) as tf.Tensor2D : tf.cumsum(x, 0));
const cumsumWithGrad = tf.customGrad(((x: tf.Tensor2D) => ({
  value: tf.cumsum(x, 0),
  gradFunc: (dy: tf.Tensor2D) => tf.cumsum(dy, 0, false, true),
})) as unknown as CustomFn);

const expClipped = (y: tf.Tensor): tf.Tensor => tf.exp(tf.clipByValue(y, LOG_MIN, LOG_MAX));

/**
 * [columns·K × columns]: 1 where row c·K + k meets column c (sums each column's K terms), and its
 * transpose. Kept outside any tidy: the custom gradient uses the transpose after the forward pass.
 */
const sumMatrices = new Map<string, [tf.Tensor2D, tf.Tensor2D]>();
function sumMatrix(columns: number, K: number): [tf.Tensor2D, tf.Tensor2D] {
  const key = `${columns}x${K}`;
  let hit = sumMatrices.get(key);
  if (hit === undefined || hit[0].isDisposed) {
    const m = new Float32Array(columns * K * columns);
    for (let c = 0; c < columns; c++) for (let k = 0; k < K; k++) m[(c * K + k) * columns + c] = 1;
    const S = tf.keep(tf.tensor2d(m, [columns * K, columns]));
    hit = [S, tf.keep(tf.transpose(S))];
    sumMatrices.set(key, hit);
  }
  return hit;
}

/** [columns·K]: 1 on each column's terms past the first two (those that add to the overlapping pair). */
function restMask(columns: number, K: number): Float32Array {
  const m = new Float32Array(columns * K);
  for (let c = 0; c < columns; c++) for (let k = 2; k < K; k++) m[c * K + k] = 1;
  return m;
}

/** The structured heads' fixed offsets of a batch (structure.ts), as tensors: time [N, 3K], link [N, K], overheads [N, 3]. */
function structuredTensors(b: Batch, K: number, centre: ArrayLike<number>, linkBytes: boolean): { time: tf.Tensor2D; link: tf.Tensor2D; ovh: tf.Tensor2D } {
  const time = new Float32Array(b.nodes * 3 * K);
  const link = new Float32Array(b.nodes * K);
  const ovh = new Float32Array(b.nodes * 3);
  b.items.forEach((it, g) => {
    const o = b.offsets[g]!;
    const s = structureOffsets(it.features, it.descriptor, centre, K, { linkBytes });
    time.set(s.time, o * 3 * K);
    link.set(s.link, o * K);
    for (let i = 0; i < it.features.nodes; i++) ovh.set(s.ovh, (o + i) * 3);
  });
  return { time: tf.tensor2d(time, [b.nodes, 3 * K]), link: tf.tensor2d(link, [b.nodes, K]), ovh: tf.tensor2d(ovh, [b.nodes, 3]) };
}

/** Predicted log times: [nodes, LABEL_COLUMNS] — every cut's objective, DPU stage, GPU stage and link, and each layer's own times. */
export function forward(p: Params, cfg: ModelConfig, b: Batch): tf.Tensor2D {
  const K = cfg.components ?? 0;
  const w = (name: string): tf.Tensor2D => {
    const v = p.get(name)! as tf.Tensor2D;
    const m = v.rank !== 2 ? undefined
      : (cfg.targetMasks === true ? targetMask(name, v.shape[1], K, cfg.structured === true) : undefined) ?? nodeMask(name, v.shape[0], v.shape[1], cfg.linkGlobal === true);
    return m === undefined ? v : tf.mul(v, tf.tensor2d(m, v.shape)) as tf.Tensor2D;
  };
  const std = cfg.standardize === true;
  const x = std ? tf.div(tf.sub(b.x, w('norm/x-mean')), w('norm/x-std')) as tf.Tensor2D : b.x;
  const t = std ? tf.div(tf.sub(b.t, w('norm/t-mean')), w('norm/t-std')) as tf.Tensor2D : b.t;
  // The inputs' transposes, once for all the products that read them (their weights' gradients).
  // Kept past the forward pass's scope (the gradients run after it) until disposeBatch.
  let transposes = inputTransposes.get(b);
  if (training && transposes === undefined) {
    transposes = [tf.keep(tf.transpose(x)), tf.keep(tf.transpose(t))];
    inputTransposes.set(b, transposes);
  }
  const [xT, tT] = training ? transposes! : [true, true] as const;
  const fixed = cfg.structured === true ? structuredTensors(b, K, w('norm/t-mean').dataSync(), cfg.linkBytes === true) : undefined;
  let h = tf.relu(tf.add(tf.add(linear(x, w('in/w'), xT), linear(t, w('in/t'), tT)), w('in/b'))) as tf.Tensor2D;
  for (let l = 0; l < cfg.layers; l++) {
    const fwd = tf.mul(propagate(linear(h, w(`mp${l}/msg-fwd`)), b.srcNd, b.dstNd), b.invIn) as tf.Tensor2D;
    const bwd = tf.mul(propagate(linear(h, w(`mp${l}/msg-bwd`)), b.dstNd, b.srcNd), b.invOut) as tf.Tensor2D;
    const mean = tf.mul(constLeft(b.member, b.memberT, h), b.invCount) as tf.Tensor2D;
    const global = constLeft(b.memberT, b.member, mean);
    const z = tf.addN([
      linear(h, w(`mp${l}/self`)), linear(fwd, w(`mp${l}/fwd`)), linear(bwd, w(`mp${l}/bwd`)),
      linear(global, w(`mp${l}/global`)), linear(t, w(`mp${l}/t`), tT),
    ]);
    h = tf.add(h, tf.relu(tf.add(z, w(`mp${l}/b`)))) as tf.Tensor2D;
  }
  // Each layer's times (zero for the source node), summed over every prefix (the DPU side of the
  // cut at that node, the node included) and suffix (the GPU side) of its graph.
  const inter = (head: string): tf.Tensor2D[] => ((cfg.interaction ?? 0) > 0
    ? [linear(tf.mul(linear(x, w(`${head}/ix`), xT), linear(t, w(`${head}/it`), tT)) as tf.Tensor2D, w(`${head}/io`))]
    : []);
  const u = tf.relu(tf.add(tf.addN([linear(h, w('time/h')), linear(x, w('time/x'), xT), linear(t, w('time/t'), tT), ...inter('time')]), w('time/b'))) as tf.Tensor2D;
  // A components head: `columns` sums of K terms exp(a), a = (u·O + x·XO + t·TO + ob)·gain.
  const summed = (head: string, hidden: tf.Tensor2D, columns: number): tf.Tensor2D => {
    let a = tf.mul(tf.add(tf.addN([linear(hidden, w(`${head}/o`)), linear(x, w(`${head}/xo`), xT), linear(t, w(`${head}/to`), tT)]), w(`${head}/ob`)), HEAD_GAIN) as tf.Tensor2D;
    if (fixed !== undefined) a = tf.add(a, head === 'time' ? fixed.time : fixed.link) as tf.Tensor2D;
    const [S, ST] = sumMatrix(columns, K);
    if (head !== 'time' || cfg.overlap !== true) return constRight(expClipped(a) as tf.Tensor2D, S, ST);
    // Overlapping compute and memory terms: (e^{p·a0} + e^{p·a1})^{1/p} per column, in log space
    // around the larger of the two; the other terms add (their columns of `a` masked out first).
    const p = tf.exp(w('time/p'));
    const a0 = pick(a, Array.from({ length: columns }, (_, c) => c * K));
    const a1 = pick(a, Array.from({ length: columns }, (_, c) => c * K + 1));
    const m = tf.maximum(a0, a1);
    const lse = tf.div(tf.log(tf.add(tf.exp(tf.mul(tf.sub(a0, m), p)), tf.exp(tf.mul(tf.sub(a1, m), p)))), p);
    const rest = tf.mul(expClipped(a), tf.tensor2d(restMask(columns, K), [1, columns * K]));
    return tf.add(expClipped(tf.add(m, lse)), constRight(rest as tf.Tensor2D, S, ST)) as tf.Tensor2D;
  };
  let logTimes: tf.Tensor2D;
  let times: tf.Tensor2D;
  if (K > 0) {
    const raw = summed('time', u, 3);
    logTimes = tf.log(tf.add(raw, LAYER_EPS)) as tf.Tensor2D;
    times = tf.mul(raw, b.notSource) as tf.Tensor2D;
  } else {
    logTimes = tf.mul(tf.add(linear(u, w('time/o')), w('time/ob')), HEAD_GAIN) as tf.Tensor2D;
    times = tf.mul(expClipped(logTimes), b.notSource) as tf.Tensor2D;
  }
  const cs = cumsumRows(times) as tf.Tensor2D;
  const prefix = tf.sub(cs, constLeft(b.memberT, b.member, constLeft(b.prevSel, b.prevSelT, cs))) as tf.Tensor2D;
  // The suffix as a reverse cumulative sum (exact for the last graph of a batch, and so for one
  // graph), not total − prefix, which loses the small suffixes near a graph's end in float32.
  const rev = revCumsumRows(times);
  const suffix = tf.relu(tf.sub(rev, constLeft(b.memberT, b.member, constLeft(b.lastSel, b.lastSelT, rev))));
  const ovhLog = tf.mul(tf.add(linear(t, w('ovh/t'), tT), w('ovh/b')), HEAD_GAIN);
  const ovh = expClipped(fixed !== undefined ? tf.add(ovhLog, fixed.ovh) : ovhLog);
  const col = (t: tf.Tensor, c: number) => pick(t as tf.Tensor2D, [c]);
  const dpuFrame = tf.add(col(prefix, 0), tf.mul(col(ovh, 0), b.notSource));
  const dpuStream = tf.add(col(prefix, 1), tf.mul(col(ovh, 1), b.notSource));
  const gpu = tf.add(col(suffix, 2), tf.mul(col(ovh, 2), b.notLast));
  const ul = tf.relu(tf.add(tf.addN([linear(x, w('link/x'), xT), linear(t, w('link/t'), tT), ...inter('link')]), w('link/b'))) as tf.Tensor2D;
  let logLink: tf.Tensor;
  let link: tf.Tensor;
  if (K > 0) {
    const raw = summed('link', ul, 1);
    logLink = tf.log(tf.add(raw, COST_EPS));
    link = tf.mul(raw, b.hasBytes);
  } else {
    logLink = tf.mul(tf.add(linear(ul, w('link/o')), w('link/ob')), HEAD_GAIN);
    link = tf.mul(expClipped(logLink), b.hasBytes);
  }
  const streamCost = tf.maximum(tf.maximum(dpuStream, link), gpu);
  const latencyCost = tf.addN([dpuFrame, link, gpu]);
  const cost = tf.add(tf.mul(b.stream, streamCost), tf.mul(tf.sub(1, b.stream), latencyCost));
  // Column 1: the one-frame DPU stage, or (objectiveStage) the DPU stage the objective uses.
  const dpuStage = cfg.objectiveStage === true ? tf.add(tf.mul(b.stream, dpuStream), tf.mul(tf.sub(1, b.stream), dpuFrame)) : dpuFrame;
  return joinColumns([tf.log(tf.add(joinColumns([cost as tf.Tensor2D, dpuStage as tf.Tensor2D, gpu as tf.Tensor2D]), COST_EPS)) as tf.Tensor2D, logLink as tf.Tensor2D, logTimes]);
}

/** Weighted squared error of the log stage times against the planner's; the objective column weighs most. */
export function loss(p: Params, cfg: ModelConfig, b: Batch, rankWeight = RANK_WEIGHT): tf.Scalar {
  const pred = withGradients(() => forward(p, cfg, b));
  const err = tf.mul(tf.square(tf.sub(pred, b.labels!)), b.weights!);
  const perColumn = tf.div(tf.sum(err, 0), tf.add(tf.sum(b.weights!, 0), 1e-6));
  const regression = tf.sum(tf.mul(perColumn, tf.tensor1d(COLUMN_WEIGHTS)));
  // Cross-entropy of the cut choice: per graph, log Σ exp(z) over valid cuts − Σ q·z, z the
  // predicted log objective's distance below the best (clipped, so exp stays finite).
  const z = tf.clipByValue(tf.div(tf.sub(b.bestLog!, pick(pred, [0])), RANK_TEMPERATURE), -RANK_CLIP, RANK_CLIP);
  const sums = constLeft(b.member, b.memberT, tf.mul(tf.exp(z), b.valid) as tf.Tensor2D);
  const ce = tf.sub(tf.log(tf.add(sums, 1e-30)), constLeft(b.member, b.memberT, tf.mul(z, b.soft!) as tf.Tensor2D));
  return tf.add(regression, tf.mul(tf.mean(ce), rankWeight)) as tf.Scalar;
}

/** Per-graph scores (minus the predicted log objective), in node order; invalid cuts are -Infinity. */
export function scores(p: Params, cfg: ModelConfig, b: Batch): Float32Array[] {
  const s = tf.tidy(() => tf.neg(tf.slice(forward(p, cfg, b), [0, 0], [-1, 1])));
  const all = s.dataSync() as Float32Array;
  s.dispose();
  const valid = b.valid.dataSync();
  const out: Float32Array[] = [];
  for (let g = 0; g < b.graphs; g++) {
    const o = b.offsets[g]!;
    const end = g + 1 < b.graphs ? b.offsets[g + 1]! : b.nodes;
    out.push(all.slice(o, end).map((v, i) => (valid[o + i]! > 0 ? v : -Infinity)));
  }
  return out;
}

export { decode } from './infer.js';

/** The tfjs forward pass of one graph with parameters given as arrays, as a row-major [nodes × LABEL_COLUMNS] array (for checking infer.ts against it). */
export function forwardOnArrays(params: ReadonlyMap<string, Float32Array>, cfg: ModelConfig, features: GraphFeatures, descriptor: Float32Array): Float32Array {
  const p = new Map<string, tf.Tensor>();
  for (const [name, shape] of paramShapes(cfg)) p.set(name, tf.tensor(params.get(name)!, shape));
  const b = makeBatch([{ features, descriptor }], featureChoice(cfg));
  try {
    const out = tf.tidy(() => forward(p, cfg, b));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return Float32Array.from(data);
  } finally {
    disposeBatch(b);
    for (const t of p.values()) t.dispose();
  }
}
