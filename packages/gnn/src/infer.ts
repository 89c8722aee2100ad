// The forward pass in JavaScript (Float64Arrays), for inference: the same network as model.ts's
// TensorFlow.js forward (which training differentiates), reading the same weights, one graph at a
// time, once per ensemble member. Its matrix products run in a WebAssembly SIMD kernel
// (wasm-matmul.ts), bit-identical to the JavaScript loop it replaced. It needs no tfjs at all —
// loading tfjs and its wasm backend costs more than a prediction, and tfjs's per-op dispatch (~80
// ops) made a ResNet152 prediction 20–30 ms. packages/gnn/test/infer.test.ts checks that both
// forward passes agree.

import { COST_EPS, HEAD_GAIN, LAYER_EPS, LOG_MAX, LOG_MIN, paramShapes, STREAM_COLUMN, type ModelConfig } from './config.js';
import { NODE_FEATURES, nodeFeatureCount, TARGET_FEATURES, type GraphFeatures } from './features.js';
import { nodeMask, structureOffsets, targetMask } from './structure.js';
import { matmul as matmulKernel } from './wasm-matmul.js';
import type { ParamArrays } from './weights.js';

/** Output columns, as model.ts's LABEL_COLUMNS: every cut's log objective, DPU stage, GPU stage and link, and each layer's log times. */
export const OUTPUT_COLUMNS = 7;

/** A weight matrix [k × o] in Float64, row-major. */
interface Matrix {
  readonly k: number;
  readonly o: number;
  readonly w: Float64Array;
}

/** Several matrices with the same input side as one (their outputs side by side). */
function sideBySide(ms: readonly Matrix[]): Matrix {
  const k = ms[0]!.k;
  const o = ms.reduce((s, m) => s + m.o, 0);
  const w = new Float64Array(k * o);
  let at = 0;
  for (const m of ms) {
    for (let j = 0; j < k; j++) w.set(m.w.subarray(j * m.o, (j + 1) * m.o), j * o + at);
    at += m.o;
  }
  return { k, o, w };
}

/** out[n × m.o] = a[n × m.k] · W, row-major (wasm-matmul.ts: a WebAssembly SIMD kernel, bit-identical to its JavaScript loop). */
function matmul(a: Float64Array, n: number, m: Matrix, out: Float64Array): Float64Array {
  return matmulKernel(a, n, m.k, m.w, m.o, out);
}

/** The weights prepared for the forward pass, once per parameter set and config (the masks depend on both). */
interface Prepared {
  /**
   * The node features' matrices side by side: in/w, time/x, link/x (hidden each), time/ix, link/ix
   * (interaction each), time/xo, link/xo (3K and K terms), with the standardisation folded in:
   * ((x − mean) / std)·W = x·(W / std) + xBias.
   */
  readonly x: Matrix;
  readonly xBias: Float64Array;
  /** The target's standardisation (mean 0, std 1 when there is none). */
  readonly tMean: Float64Array;
  readonly tStd: Float64Array;
  readonly m: ReadonlyMap<string, Matrix>;
  readonly v: ReadonlyMap<string, Float64Array>;
}

const prepared = new WeakMap<ParamArrays, { readonly cfg: ModelConfig; readonly prep: Prepared }>();

function prepare(p: ParamArrays, cfg: ModelConfig): Prepared {
  const hit = prepared.get(p);
  if (hit !== undefined && hit.cfg === cfg) return hit.prep;
  const m = new Map<string, Matrix>();
  const v = new Map<string, Float64Array>();
  for (const [name, shape] of paramShapes(cfg)) {
    const w = p.get(name);
    if (w === undefined) throw new Error(`missing parameter ${name}`);
    const mask = shape.length !== 2 ? undefined
      : (cfg.targetMasks === true ? targetMask(name, shape[1]!, cfg.components ?? 0, cfg.structured === true) : undefined) ?? nodeMask(name, shape[0]!, shape[1]!, cfg.linkGlobal === true);
    if (shape.length === 2) m.set(name, { k: shape[0]!, o: shape[1]!, w: Float64Array.from(w, (v, i) => (mask === undefined ? v : v * mask[i]!)) });
    else v.set(name, Float64Array.from(w));
  }
  const xs = [
    'in/w', 'time/x', 'link/x', ...((cfg.interaction ?? 0) > 0 ? ['time/ix', 'link/ix'] : []), ...((cfg.components ?? 0) > 0 ? ['time/xo', 'link/xo'] : []),
  ].map((n) => m.get(n)!);
  const F = nodeFeatureCount(cfg);
  const T = TARGET_FEATURES.length;
  const std = cfg.standardize === true;
  const xMean = std ? v.get('norm/x-mean')! : new Float64Array(F);
  const xStd = std ? v.get('norm/x-std')! : new Float64Array(F).fill(1);
  const x = sideBySide(xs);
  const xBias = new Float64Array(x.o);
  for (let j = 0; j < F; j++) {
    for (let c = 0; c < x.o; c++) {
      const wj = x.w[j * x.o + c]! / xStd[j]!;
      x.w[j * x.o + c] = wj;
      xBias[c]! -= xMean[j]! * wj;
    }
  }
  // Per round: h·[msg-fwd | msg-bwd | self] in one pass, and [fwd | bwd]·[fwd; bwd] in another.
  for (let l = 0; l < cfg.layers; l++) {
    m.set(`mp${l}/h`, sideBySide([`mp${l}/msg-fwd`, `mp${l}/msg-bwd`, `mp${l}/self`].map((n) => m.get(n)!)));
    const a = m.get(`mp${l}/fwd`)!;
    const b = m.get(`mp${l}/bwd`)!;
    const w = new Float64Array((a.k + b.k) * a.o);
    w.set(a.w);
    w.set(b.w, a.w.length);
    m.set(`mp${l}/msgs`, { k: a.k + b.k, o: a.o, w });
  }
  const out = { x, xBias, tMean: std ? v.get('norm/t-mean')! : new Float64Array(T), tStd: std ? v.get('norm/t-std')! : new Float64Array(T).fill(1), m, v };
  prepared.set(p, { cfg, prep: out });
  return out;
}

/**
 * Float64 work buffers reused from one forward pass to the next: a ResNet152 pass needs about
 * 1.5 MB of them per member, and allocating, zeroing and collecting that afresh on every
 * prediction cost about a tenth of its wall time on this project's 2-core machine, and a third more
 * CPU time on the collector's threads (docs/gnn.md → Speed). forwardJs takes
 * them in the same order on every call and is synchronous, so no two uses overlap; none is
 * returned to a caller. The buffers grow to the largest graph seen and are kept.
 */
const pool: Float64Array[] = [];
let taken = 0;

/** The next work buffer of this pass, n long (zeroed when asked; else its contents are stale). */
function scratch(n: number, zero = false): Float64Array {
  let b = pool[taken];
  if (b === undefined || b.length < n) {
    b = new Float64Array(n);
    pool[taken] = b;
  }
  taken++;
  const v = b.length === n ? b : b.subarray(0, n);
  return zero ? v.fill(0) : v;
}

/** A 1×k row times W, plus an optional bias, as a new row. */
function rowTimes(t: Float64Array, m: Matrix, bias?: Float64Array): Float64Array {
  const out = matmul(t, 1, m, new Float64Array(m.o));
  if (bias !== undefined) for (let c = 0; c < m.o; c++) out[c]! += bias[c]!;
  return out;
}

const clipExp = (v: number): number => Math.exp(Math.min(LOG_MAX, Math.max(LOG_MIN, v)));

/**
 * Predicted log times of one graph under one target: [nodes × OUTPUT_COLUMNS], row-major (the
 * same numbers as model.ts's `forward` on a batch of that one graph, computed in float64).
 */
export function forwardJs(p: ParamArrays, cfg: ModelConfig, f: GraphFeatures, descriptor: Float32Array): Float32Array {
  const P = prepare(p, cfg);
  taken = 0;
  const W = (name: string): Matrix => P.m.get(name)!;
  const B = (name: string): Float64Array => P.v.get(name)!;
  // Each row of f.x holds every computed feature (S); the model reads its first F.
  const S = NODE_FEATURES.length;
  const F = nodeFeatureCount(cfg);
  const T = TARGET_FEATURES.length;
  if (descriptor.length !== T) throw new Error(`target descriptor has ${descriptor.length} numbers, the model reads ${T}`);
  if (f.x.length !== f.nodes * S) throw new Error(`node features have ${f.x.length} numbers, expected ${f.nodes} × ${S}`);
  const N = f.nodes;
  const H = cfg.hidden;
  const M = cfg.message;
  const I = cfg.interaction ?? 0;
  const K = cfg.components ?? 0;
  const t = Float64Array.from(descriptor, (v, c) => (v - P.tMean[c]!) / P.tStd[c]!);

  // Every projection of the node features at once: [N × (3H + 4K)]. The interaction of a head,
  // ((x·IX) ⊙ (t·IT))·IO, is x·(IX·diag(t·IT)·IO) for this target: folded into the head's x
  // matrix here (F·I·H per head, once) instead of costing I·(F + H) per node.
  const BX = P.x;
  const XO = 3 * H + 4 * K;
  const colsFrom = (c: number): number => (c < 3 * H ? c : c + 2 * I);
  // Row j < F of the node features' matrix, or (j = F) its bias.
  const xRow = (j: number, c: number): number => (j < F ? BX.w[j * BX.o + c]! : P.xBias[c]!);
  // The bias is row F, for one more input that is always 1, after the features: the product then
  // adds it last, as (x·W) + bias would, and needs no pass of its own.
  const wx = scratch((F + 1) * XO);
  for (let j = 0; j <= F; j++) for (let c = 0; c < XO; c++) wx[j * XO + c] = xRow(j, colsFrom(c));
  if (I > 0) {
    for (const [name, at, iAt] of [['time', H, 3 * H], ['link', 2 * H, 3 * H + I]] as const) {
      const it = rowTimes(t, W(`${name}/it`));
      // Each row times diag(t·IT), then times IO.
      const scaled = new Float64Array((F + 1) * I);
      for (let j = 0; j <= F; j++) for (let c = 0; c < I; c++) scaled[j * I + c] = xRow(j, iAt + c) * it[c]!;
      const folded = matmul(scaled, F + 1, W(`${name}/io`), new Float64Array((F + 1) * H));
      for (let j = 0; j <= F; j++) for (let h = 0; h < H; h++) wx[j * XO + at + h]! += folded[j * H + h]!;
    }
  }
  const x1 = scratch(N * (F + 1));
  for (let i = 0; i < N; i++) {
    x1.set(f.x.subarray(i * S, i * S + F), i * (F + 1));
    x1[i * (F + 1) + F] = 1;
  }
  const xp = matmul(x1, N, { k: F + 1, o: XO, w: wx }, scratch(N * XO));

  // Input embedding: the target's part is one row, the same for every node.
  const h = scratch(N * H);
  const tIn = rowTimes(t, W('in/t'), B('in/b'));
  for (let i = 0; i < N; i++) for (let c = 0; c < H; c++) { const v = xp[i * XO + c]! + tIn[c]!; h[i * H + c] = v > 0 ? v : 0; }

  const E = f.src.length;
  const inv = scratch(2 * N, true);
  for (let e = 0; e < E; e++) { inv[2 * f.dst[e]!]! += 1; inv[2 * f.src[e]! + 1]! += 1; }
  for (let i = 0; i < 2 * N; i++) inv[i] = inv[i]! > 0 ? 1 / inv[i]! : 0;
  const HO = 2 * M + H;
  const hp = scratch(N * HO);
  // Messages in (mean over in-edges of h·msg-fwd) and out (over out-edges, h·msg-bwd), side by side.
  const msgs = scratch(N * 2 * M);
  for (let l = 0; l < cfg.layers; l++) {
    matmul(h, N, W(`mp${l}/h`), hp);
    msgs.fill(0);
    for (let e = 0; e < E; e++) {
      const s = f.src[e]!;
      const d = f.dst[e]!;
      const sp = s * HO;
      const dp = d * HO + M;
      const dm = d * 2 * M;
      const sm = s * 2 * M + M;
      for (let c = 0; c < M; c++) { msgs[dm + c]! += hp[sp + c]!; msgs[sm + c]! += hp[dp + c]!; }
    }
    for (let i = 0; i < N; i++) {
      const a = inv[2 * i]!;
      const b = inv[2 * i + 1]!;
      for (let c = 0; c < M; c++) { msgs[i * 2 * M + c]! *= a; msgs[i * 2 * M + M + c]! *= b; }
    }
    const mean = new Float64Array(H);
    for (let i = 0; i < N; i++) for (let c = 0; c < H; c++) mean[c]! += h[i * H + c]!;
    for (let c = 0; c < H; c++) mean[c]! /= N;
    // The graph's mean and the target: one row for every node.
    const shared = rowTimes(mean, W(`mp${l}/global`));
    const tl = rowTimes(t, W(`mp${l}/t`), B(`mp${l}/b`));
    for (let c = 0; c < H; c++) shared[c]! += tl[c]!;
    const z = matmul(msgs, N, W(`mp${l}/msgs`), scratch(N * H));
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < H; c++) {
        const v = z[i * H + c]! + hp[i * HO + 2 * M + c]! + shared[c]!;
        if (v > 0) h[i * H + c]! += v;
      }
    }
  }

  // A head's hidden layer: relu(u + x·X' + t·T + b), X' the head's x matrix with its interaction folded in (column xAt of xp).
  const head = (name: string, u: Float64Array, xAt: number): Float64Array => {
    const tr = rowTimes(t, W(`${name}/t`), B(`${name}/b`));
    for (let i = 0; i < N; i++) for (let c = 0; c < H; c++) { const v = u[i * H + c]! + xp[i * XO + xAt + c]! + tr[c]!; u[i * H + c] = v > 0 ? v : 0; }
    return u;
  };

  // A components head: `columns` sums of K terms exp(a), a = (hidden·O + x·XO + t·TO + ob)·gain
  // (x·XO is column xoAt of xp); returns the sums.
  const fixed = cfg.structured === true ? structureOffsets(f, descriptor, P.tMean, K, { linkBytes: cfg.linkBytes === true }) : undefined;
  const summed = (name: string, hidden: Float64Array, columns: number, xoAt: number): Float64Array => {
    const CK = columns * K;
    const a = matmul(hidden, N, W(`${name}/o`), scratch(N * CK));
    if (fixed !== undefined) {
      const off = name === 'time' ? fixed.time : fixed.link;
      for (let j = 0; j < N * CK; j++) a[j]! += off[j]! / HEAD_GAIN;
    }
    const tr = rowTimes(t, W(`${name}/to`), B(`${name}/ob`));
    const sums = scratch(N * columns);
    // With `overlap`, the first two terms combine as a p-norm (model.ts's forward, in log space around the larger).
    const p = name === 'time' && cfg.overlap === true ? Array.from(B('time/p'), Math.exp) : undefined;
    const term = (i: number, c: number, k: number): number => (a[i * CK + c * K + k]! + xp[i * XO + xoAt + c * K + k]! + tr[c * K + k]!) * HEAD_GAIN;
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < columns; c++) {
        let s = 0;
        let k = 0;
        if (p !== undefined) {
          const a0 = term(i, c, 0);
          const a1 = term(i, c, 1);
          const m = Math.max(a0, a1);
          s = clipExp(m + Math.log(Math.exp((a0 - m) * p[c]!) + Math.exp((a1 - m) * p[c]!)) / p[c]!);
          k = 2;
        }
        for (; k < K; k++) s += clipExp(term(i, c, k));
        sums[i * columns + c] = s;
      }
    }
    return sums;
  };

  const u = head('time', matmul(h, N, W('time/h'), scratch(N * H)), H);
  // Each layer's times (column per device) and their logs.
  let times: Float64Array;
  let logTimes: Float64Array;
  if (K > 0) {
    times = summed('time', u, 3, 3 * H);
    logTimes = times.map((v) => Math.log(v + LAYER_EPS));
  } else {
    logTimes = matmul(u, N, W('time/o'), new Float64Array(N * 3));
    const tob = B('time/ob');
    for (let i = 0; i < N; i++) for (let c = 0; c < 3; c++) logTimes[i * 3 + c] = (logTimes[i * 3 + c]! + tob[c]!) * HEAD_GAIN;
    times = logTimes.map(clipExp);
  }
  const ul = head('link', scratch(N * H, true), 2 * H);
  let linkMs: Float64Array;
  let logLink: Float64Array;
  if (K > 0) {
    linkMs = summed('link', ul, 1, 3 * H + 3 * K);
    logLink = linkMs.map((v) => Math.log(v + COST_EPS));
  } else {
    logLink = matmul(ul, N, W('link/o'), new Float64Array(N));
    const lob = B('link/ob')[0]!;
    for (let i = 0; i < N; i++) logLink[i] = (logLink[i]! + lob) * HEAD_GAIN;
    linkMs = logLink.map(clipExp);
  }
  const ovhLog = rowTimes(t, W('ovh/t'), B('ovh/b'));
  const ovh = [0, 1, 2].map((c) => clipExp(ovhLog[c]! * HEAD_GAIN + (fixed?.ovh[c] ?? 0)));

  // Each layer's times summed over every prefix (the DPU side of the cut, the node included) and
  // suffix (the GPU side).
  const prefix = scratch(N * 3, true);
  const total = [0, 0, 0];
  for (let i = 1; i < N; i++) {
    for (let c = 0; c < 3; c++) { total[c]! += times[i * 3 + c]!; prefix[i * 3 + c] = total[c]!; }
  }
  // The GPU side: the layers after the cut, summed from the end (as the tfjs forward pass does).
  const suffix = scratch(N, true);
  for (let i = N - 2, acc = 0; i >= 0; i--) { acc += times[(i + 1) * 3 + 2]!; suffix[i] = acc; }
  const stream = descriptor[STREAM_COLUMN]! === 1;
  const out = new Float32Array(N * OUTPUT_COLUMNS);
  for (let i = 0; i < N; i++) {
    const notSource = i === 0 ? 0 : 1;
    const notLast = i === N - 1 ? 0 : 1;
    const dpuFrame = prefix[i * 3]! + ovh[0]! * notSource;
    const dpuStream = prefix[i * 3 + 1]! + ovh[1]! * notSource;
    const gpu = suffix[i]! + ovh[2]! * notLast;
    const link = f.cutBytes[i]! > 0 ? linkMs[i]! : 0;
    const cost = stream ? Math.max(dpuStream, link, gpu) : dpuFrame + link + gpu;
    const o = i * OUTPUT_COLUMNS;
    out[o] = Math.log(cost + COST_EPS);
    out[o + 1] = Math.log((cfg.objectiveStage === true && stream ? dpuStream : dpuFrame) + COST_EPS);
    out[o + 2] = Math.log(gpu + COST_EPS);
    out[o + 3] = logLink[i]!;
    out[o + 4] = logTimes[i * 3]!;
    out[o + 5] = logTimes[i * 3 + 1]!;
    out[o + 6] = logTimes[i * 3 + 2]!;
  }
  return out;
}

/** Scores of every cut (minus the predicted log objective); invalid cuts are -Infinity. */
export function scoresJs(p: ParamArrays, cfg: ModelConfig, f: GraphFeatures, descriptor: Float32Array): Float32Array {
  const out = forwardJs(p, cfg, f, descriptor);
  const s = new Float32Array(f.nodes);
  for (let i = 0; i < f.nodes; i++) s[i] = f.valid[i] ? -out[i * OUTPUT_COLUMNS]! : -Infinity;
  return s;
}

/**
 * An ensemble's scores: the mean over its members (trained alike from different seeds) of their
 * scores, i.e. minus the mean of their predicted log objectives (a geometric mean of the predicted
 * costs). One member gives exactly that member's scores.
 */
export function ensembleScores(members: readonly ParamArrays[], cfg: ModelConfig, f: GraphFeatures, descriptor: Float32Array): Float32Array {
  if (members.length === 0) throw new Error('an ensemble needs at least one member');
  if (members.length === 1) return scoresJs(members[0]!, cfg, f, descriptor);
  const sum = new Float64Array(f.nodes);
  for (const p of members) {
    const s = scoresJs(p, cfg, f, descriptor);
    for (let i = 0; i < f.nodes; i++) sum[i]! += s[i]!;
  }
  return Float32Array.from(sum, (v) => v / members.length);
}

/** The highest-scoring valid cut (lowest index on ties): the number of layers on the DPU. */
export function decode(s: Float32Array): number {
  let best = 0;
  for (let i = 1; i < s.length; i++) if (s[i]! > s[best]!) best = i;
  return best;
}
