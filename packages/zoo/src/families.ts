// The CNN families of the zoo, each a seeded recipe with varied depth, width, kernel sizes,
// strides and input resolution (32–512), batch 1. Every recipe ends in a classifier head (VGG's
// wide fully connected classifier in half the plain models and one in ten of the others).

import { NetBuilder, type Activation } from './net-builder.js';
import { Rng } from './rng.js';

export const FAMILIES = [
  'lenet', 'plain', 'basic', 'bottleneck', 'inverted', 'depthwise', 'grouped', 'inception', 'dense', 'shuffle',
] as const;
export type Family = (typeof FAMILIES)[number];

export const FAMILY_DESCRIPTIONS: Readonly<Record<Family, string>> = {
  lenet: 'LeNet-style: 5x5 convolutions, pooling, three fully connected layers',
  plain: 'plain / VGG / AlexNet: stages of 3x3 (sometimes 5x5) convolutions and max pooling, sometimes a large-kernel strided stem, half the time a wide fully connected classifier on the flattened map',
  basic: 'residual, basic blocks (ResNet-18/34)',
  bottleneck: 'residual, bottleneck blocks (ResNet-50/101/152)',
  inverted: 'inverted residual (MobileNetV2/V3) with squeeze-excite and hard-swish or SiLU',
  depthwise: 'depthwise-separable (MobileNetV1)',
  grouped: 'grouped bottlenecks (ResNeXt / RegNet)',
  inception: 'multi-branch (Inception / GoogLeNet); version 2 also Inception-v3\'s factorised 1×n / n×1 modules',
  dense: 'dense blocks with transitions (DenseNet); version 2 also in the published form (pre-activated layers on a concatenation of all earlier outputs)',
  shuffle: 'grouped 1x1 convolutions with channel shuffle (ShuffleNet); version 2 also ShuffleNet V2\'s channel-split units',
};

const RESOLUTIONS = [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 384, 448, 512];

/**
 * The generator's versions. 1: the recipes the GNN was trained on until its eighth pass. 2, its
 * training default since, adds the families' published depths and graph forms: residual stages up
 * to ResNet-152's [3, 8, 36, 3] blocks, DenseNet blocks up to 32 layers and its published
 * (pre-activated, concatenate-all) form, ShuffleNet V2's channel-split units and Inception-v3's
 * factorised modules. A version's models never change: version 1's bytes are those of the
 * generator before version 2 existed.
 */
export const ZOO_VERSIONS = [1, 2] as const;
export type ZooVersion = (typeof ZOO_VERSIONS)[number];

export interface FamilySpec {
  readonly version: ZooVersion;
  readonly family: Family;
  readonly seed: number;
  readonly resolution: number;
  readonly inChannels: number;
  readonly classes: number;
}

type Recipe = (b: NetBuilder, x: string, r: Rng, spec: FamilySpec) => string;

const round8 = (c: number): number => Math.max(8, Math.round(c / 8) * 8);

/** Downsample only while the feature map is big enough. */
const canDown = (b: NetBuilder, x: string): boolean => b.spatial(x) >= 4;

/**
 * VGG's and AlexNet's classifier: the map max-pooled to at most 7x7, flattened (up to 25,088
 * features), then one to three wide fully connected layers (512–4,096 wide, log-uniform):
 * weight-bound layers of up to ~100 M parameters.
 */
function wideClassifier(b: NetBuilder, x: string, spec: FamilySpec, r: Rng): string {
  let y = x;
  while (b.spatial(y) > 7) y = b.maxPool(y, 2, 2);
  let z = b.flatten(y);
  const hidden = r.pick([1, 2, 2, 3]);
  for (let i = 0; i < hidden; i++) z = b.relu(b.gemm(z, round8(r.logUniform(512, 4096))));
  return b.gemm(z, spec.classes);
}

/** The classifier of most families: global pooling and one or two fully connected layers; one in ten, VGG's wide classifier instead. */
function head(b: NetBuilder, x: string, spec: FamilySpec, r: Rng): string {
  if (r.chance(0.1)) return wideClassifier(b, x, spec, r);
  let y = b.flatten(b.globalAvgPool(x));
  if (r.chance(0.25)) y = b.relu(b.gemm(y, round8(r.int(128, 1280))));
  y = b.gemm(y, spec.classes);
  return r.chance(0.1) ? b.softmax(y) : y;
}

function stem(b: NetBuilder, x: string, r: Rng, c: number, act: Activation): string {
  const big = b.spatial(x) >= 128;
  let y = b.activation(b.conv(x, c, big ? r.pick([7, 5, 3]) : 3, big ? 2 : 1), act);
  if (big && r.chance(0.7)) y = b.maxPool(y, 3, 2, 1);
  return y;
}

const lenet: Recipe = (b, x, r, spec) => {
  let y = x;
  const c1 = r.int(4, 16);
  const k = b.spatial(x) >= 32 ? 5 : 3;
  y = b.maxPool(b.activation(b.conv(y, c1, k, 1, 1, false), r.pick<Activation>(['relu', 'relu', 'leaky'])), 2, 2);
  const convs = r.int(1, 3);
  for (let i = 0; i < convs && canDown(b, y); i++) y = b.maxPool(b.relu(b.conv(y, r.int(8, 64), k, 1, 1, false)), 2, 2);
  y = b.flatten(y);
  y = b.relu(b.gemm(y, r.int(32, 256)));
  y = b.relu(b.gemm(y, r.int(16, 128)));
  return b.gemm(y, spec.classes);
};

const plain: Recipe = (b, x, r, spec) => {
  let y = x;
  let c = round8(r.int(16, 64));
  // AlexNet's stem (a large kernel at a large stride, then pooling) on large inputs, sometimes.
  if (b.spatial(x) >= 128 && r.chance(0.3)) {
    const k = r.pick([11, 7]);
    y = b.relu(b.conv(y, round8(r.int(48, 96)), k, k === 11 ? 4 : 2, 1, false));
    y = b.maxPool(y, 3, 2);
  }
  const stages = r.int(3, 5);
  const act = r.pick<Activation>(['relu', 'relu', 'relu6', 'leaky']);
  for (let s = 0; s < stages; s++) {
    const n = r.int(1, 4);
    for (let i = 0; i < n; i++) y = b.activation(b.conv(y, c, r.chance(0.15) ? 5 : r.chance(0.1) ? 1 : 3, 1, 1, r.chance(0.5)), act);
    if (canDown(b, y)) y = b.maxPool(y, 2, 2);
    c = Math.min(round8(c * 2), 512);
  }
  return r.chance(0.5) ? wideClassifier(b, y, spec, r) : head(b, y, spec, r);
};

/**
 * Version 2's block or layer count, 1 (or `lo`) to `hi`, log-uniform: most networks stay short,
 * and the deepest published ones (ResNet-152's 36 blocks in a stage, DenseNet-169's 32 layers in
 * a block) are still drawn.
 */
const depth = (r: Rng, hi: number, lo = 1): number => Math.round(r.logUniform(lo, hi));

/**
 * A residual recipe. `c` is the stage width the block receives (a bottleneck block outputs 2c, its
 * 3x3 runs at c/2 as ResNet's); it doubles per stage up to `maxWidth`. The basic
 * family starts at 16–64 and stays at ≤ 512 (ResNet-18/34's 64–512); the bottleneck and grouped
 * families start at 16–128 and reach 1,024, i.e. 2,048 output channels, as ResNet-50/101/152
 * and ResNeXt do (their stage outputs are 256–2,048).
 */
function residualNet(
  block: (b: NetBuilder, x: string, c: number, stride: number, r: Rng, act: Activation) => string,
  startMax: number,
  maxWidth: number,
  maxBlocks: readonly [number, number, number, number],
): Recipe {
  return (b, x, r, spec) => {
    const act = r.pick<Activation>(['relu', 'relu', 'relu', 'leaky']);
    let c = round8(r.int(16, startMax));
    let y = stem(b, x, r, c, act);
    const stages = r.int(2, 4);
    for (let s = 0; s < stages; s++) {
      const blocks = spec.version === 1 ? r.int(1, s === 2 ? 8 : 3) : depth(r, maxBlocks[s]!);
      for (let i = 0; i < blocks; i++) {
        const stride = i === 0 && s > 0 && canDown(b, y) ? 2 : 1;
        y = block(b, y, c, stride, r, act);
      }
      c = Math.min(round8(c * 2), maxWidth);
    }
    return head(b, y, spec, r);
  };
}

function shortcut(b: NetBuilder, x: string, cout: number, stride: number): string {
  return b.channels(x) === cout && stride === 1 ? x : b.conv(x, cout, 1, stride);
}

// The most blocks per stage in version 2 (version 1: 3, 3, 8, 3), from the families' published
// depths: ResNet-18/34 ([2, 2, 2, 2], [3, 4, 6, 3]); ResNet-50/101/152 ([3, 4, 6, 3],
// [3, 4, 23, 3], [3, 8, 36, 3]); ResNeXt-50/101 ([3, 4, 6, 3], [3, 4, 23, 3]).
const BASIC_BLOCKS = [3, 4, 6, 3] as const;
const BOTTLENECK_BLOCKS = [3, 8, 36, 3] as const;
const GROUPED_BLOCKS = [3, 4, 23, 3] as const;

const basic: Recipe = residualNet((b, x, c, stride, r, act) => {
  const k = r.chance(0.15) ? 5 : 3;
  const y = b.conv(b.activation(b.conv(x, c, k, stride), act), c, k, 1);
  return b.activation(b.add(y, shortcut(b, x, c, stride)), act);
}, 64, 512, BASIC_BLOCKS);

const bottleneck: Recipe = residualNet((b, x, c, stride, r, act) => {
  const mid = round8(c / 2);
  const out = c * 2;
  let y = b.activation(b.conv(x, mid, 1), act);
  y = b.activation(b.conv(y, mid, r.chance(0.1) ? 5 : 3, stride), act);
  y = b.conv(y, out, 1);
  return b.activation(b.add(y, shortcut(b, x, out, stride)), act);
}, 128, 1024, BOTTLENECK_BLOCKS);

const grouped: Recipe = residualNet((b, x, c, stride, r, act) => {
  const groupWidth = r.pick([4, 8, 16]);
  const mid = Math.max(groupWidth * 2, Math.round(c / groupWidth) * groupWidth);
  const out = c * 2;
  let y = b.activation(b.conv(x, mid, 1), act);
  y = b.activation(b.conv(y, mid, 3, stride, mid / groupWidth), act);
  if (r.chance(0.4)) y = squeezeExcite(b, y, r, 'relu', false);
  y = b.conv(y, out, 1);
  return b.activation(b.add(y, shortcut(b, x, out, stride)), act);
}, 128, 1024, GROUPED_BLOCKS);

function squeezeExcite(b: NetBuilder, x: string, r: Rng, act: Activation, hard: boolean): string {
  const c = b.channels(x);
  let s = b.globalAvgPool(x);
  s = b.activation(b.conv(s, round8(c / r.pick([4, 8])), 1, 1, 1, false), act);
  s = b.conv(s, c, 1, 1, 1, false);
  s = hard ? b.hardSigmoid(s) : b.sigmoid(s);
  return b.mul(x, s);
}

const inverted: Recipe = (b, x, r, spec) => {
  const act = r.pick<Activation>(['relu6', 'relu6', 'hardswish', 'silu', 'relu']);
  const se = r.chance(0.5);
  let c = round8(r.int(16, 40));
  let y = b.activation(b.conv(x, c, 3, canDown(b, x) && b.spatial(x) >= 64 ? 2 : 1), act);
  const stages = r.int(3, 6);
  for (let s = 0; s < stages; s++) {
    const blocks = r.int(1, 4);
    const out = round8(c * r.uniform(1.2, 2));
    const k = r.pick([3, 3, 5]);
    const expand = r.pick([1, 3, 4, 6]);
    for (let i = 0; i < blocks; i++) {
      const stride = i === 0 && canDown(b, y) && r.chance(0.75) ? 2 : 1;
      const cin = b.channels(y);
      let z = y;
      const mid = round8(cin * expand);
      if (expand !== 1) z = b.activation(b.conv(z, mid, 1), act);
      z = b.activation(b.conv(z, b.channels(z), k, stride, b.channels(z)), act);
      if (se) z = squeezeExcite(b, z, r, 'relu', act === 'hardswish');
      z = b.conv(z, out, 1);
      y = stride === 1 && cin === out ? b.add(z, y) : z;
    }
    c = out;
  }
  y = b.activation(b.conv(y, round8(c * r.pick([2, 4])), 1), act);
  return head(b, y, spec, r);
};

const depthwise: Recipe = (b, x, r, spec) => {
  const act = r.pick<Activation>(['relu', 'relu6']);
  let c = round8(r.int(16, 48));
  let y = b.activation(b.conv(x, c, 3, b.spatial(x) >= 64 ? 2 : 1), act);
  const layers = r.int(4, 13);
  for (let i = 0; i < layers; i++) {
    const stride = canDown(b, y) && r.chance(0.35) ? 2 : 1;
    y = b.activation(b.conv(y, b.channels(y), r.chance(0.2) ? 5 : 3, stride, b.channels(y)), act);
    if (stride === 2 || r.chance(0.3)) c = Math.min(round8(c * 2), 1024);
    y = b.activation(b.conv(y, c, 1), act);
  }
  return head(b, y, spec, r);
};

/**
 * Inception-v3's modules (half the inception models of version 2): stages of A modules (1x1;
 * 1x1 → 5x5; 1x1 → 3x3 → 3x3; average pool → 1x1), then C modules (the n×n convolutions
 * factorised into 1×n and n×1, n = 3, 5 or 7), then E modules (1×3 and 3×1 outputs side by side,
 * six tensors concatenated), with a reduction module (stride-2 branches beside max pooling)
 * between stages.
 */
function inceptionV3(b: NetBuilder, x: string, r: Rng, spec: FamilySpec): string {
  const cr = (z: string, c: number, k: number | readonly [number, number], stride = 1): string => b.relu(b.conv(z, round8(c), k, stride));
  const pooled = (z: string, c: number): string => cr(b.avgPool(z, 3, 1, 1), c, 1);
  let y = stem(b, x, r, round8(r.int(32, 64)), 'relu');
  y = cr(cr(y, b.channels(y) * 1.5, 1), b.channels(y) * 3, 3);
  const stages = r.int(2, 3);
  for (let s = 0; s < stages; s++) {
    const modules = r.int(1, 4);
    const n = r.pick([3, 5, 7]);
    for (let m = 0; m < modules; m++) {
      const c = b.channels(y);
      if (s === 0) {
        const w = c * r.uniform(0.15, 0.3);
        y = b.concat([cr(y, w, 1), cr(cr(y, w * 0.75, 1), w, 5), cr(cr(cr(y, w, 1), w * 1.5, 3), w * 1.5, 3), pooled(y, w / 2)]);
      } else if (s === 1) {
        const o = c / 4;
        const t = c * r.uniform(0.15, 0.25);
        const b2 = cr(cr(cr(y, t, 1), t, [1, n]), o, [n, 1]);
        const b3 = cr(cr(cr(cr(cr(y, t, 1), t, [n, 1]), t, [1, n]), t, [n, 1]), o, [1, n]);
        y = b.concat([cr(y, o, 1), b2, b3, pooled(y, o)]);
      } else {
        const o = c * r.uniform(0.12, 0.2);
        const t = cr(y, o * 1.2, 1);
        const u = cr(cr(y, o * 1.4, 1), o * 1.2, 3);
        y = b.concat([cr(y, o, 1), cr(t, o * 1.2, [1, 3]), cr(t, o * 1.2, [3, 1]), cr(u, o * 1.2, [1, 3]), cr(u, o * 1.2, [3, 1]), pooled(y, o * 0.6)]);
      }
    }
    if (s < stages - 1 && canDown(b, y)) {
      const c = b.channels(y);
      y = b.concat([cr(y, c * 0.5, 3, 2), cr(cr(cr(y, c * 0.25, 1), c * 0.35, 3), c * 0.35, 3, 2), b.maxPool(y, 3, 2, 1)]);
    }
  }
  return head(b, y, spec, r);
}

const inception: Recipe = (b, x, r, spec) => {
  if (spec.version >= 2 && r.chance(0.5)) return inceptionV3(b, x, r, spec);
  let y = stem(b, x, r, round8(r.int(32, 64)), 'relu');
  const stages = r.int(2, 3);
  for (let s = 0; s < stages; s++) {
    const modules = r.int(1, 4);
    for (let m = 0; m < modules; m++) {
      const c = b.channels(y);
      const w = round8(c * r.uniform(0.25, 0.5));
      const b1 = b.relu(b.conv(y, w, 1));
      const b2 = b.relu(b.conv(b.relu(b.conv(y, round8(w * 0.75), 1)), w, 3));
      const b3in = b.relu(b.conv(y, round8(w / 2), 1));
      const b3 = r.chance(0.5) ? b.relu(b.conv(b3in, round8(w / 2), 5)) : b.relu(b.conv(b.relu(b.conv(b3in, round8(w / 2), 3)), round8(w / 2), 3));
      const b4 = b.relu(b.conv(b.maxPool(y, 3, 1, 1), round8(w / 2), 1));
      y = b.concat([b1, b2, b3, b4]);
    }
    if (canDown(b, y)) y = b.maxPool(y, 3, 2, 1);
  }
  return head(b, y, spec, r);
};

/**
 * DenseNet. Version 1 grows one running concatenation by each layer's output, post-activated,
 * 2–8 layers per block. Version 2 draws 2–32 layers per block, log-uniform (DenseNet-121/169:
 * 6–24 and 6–32), and for half its models the published form (as torchvision exports it): every
 * layer reads a new concatenation of all earlier outputs of its block and is pre-activated
 * (BatchNorm → ReLU → 1x1 conv → ReLU → 3x3 conv), so a BatchNorm follows each concatenation and
 * cannot fold into a convolution; transitions are BatchNorm → ReLU → 1x1 conv → average pooling,
 * and the features end in BatchNorm → ReLU.
 */
const dense: Recipe = (b, x, r, spec) => {
  const growth = r.pick([8, 12, 16, 24, 32]);
  const published = spec.version >= 2 && r.chance(0.5);
  let y = stem(b, x, r, growth * 2, 'relu');
  const blocks = r.int(2, 4);
  for (let s = 0; s < blocks; s++) {
    const layers = spec.version === 1 ? r.int(2, 8) : depth(r, 32, 2);
    if (published) {
      const outputs = [y];
      for (let i = 0; i < layers; i++) {
        const z = b.conv(b.relu(b.batchNorm(b.concat(outputs))), growth * 4, 1);
        outputs.push(b.conv(b.relu(z), growth, 3, 1, 1, false));
      }
      y = b.concat(outputs);
    } else {
      for (let i = 0; i < layers; i++) {
        let z = b.relu(b.conv(y, growth * 4, 1));
        z = b.relu(b.conv(z, growth, 3));
        y = b.concat([y, z]);
      }
    }
    if (s < blocks - 1) {
      const half = round8(b.channels(y) / 2);
      y = published ? b.conv(b.relu(b.batchNorm(y)), half, 1, 1, 1, false) : b.relu(b.conv(y, half, 1));
      if (canDown(b, y)) y = b.avgPool(y, 2, 2);
    }
  }
  if (published) y = b.relu(b.batchNorm(y));
  return head(b, y, spec, r);
};

/**
 * ShuffleNet V2's units (half the models of version 2): the input's channels split in two by
 * Slice, one half passed through and the other through 1x1 → depthwise 3x3 → 1x1, the two
 * concatenated and shuffled; a downsampling unit runs both halves' branches on the whole input.
 * Stage widths as the published 0.5–2.0× nets (48–244, doubling per stage), repeats up to
 * [4, 8, 4], then a 1x1 convolution to 1,024 (2,048 for the widest).
 */
function shuffleV2(b: NetBuilder, x: string, r: Rng, spec: FamilySpec): string {
  let c = 2 * r.int(24, 122);
  let y = stem(b, x, r, round8(r.int(16, 32)), 'relu');
  const stages = r.int(2, 3);
  for (let s = 0; s < stages; s++) {
    const units = depth(r, s === 1 ? 8 : 4);
    for (let i = 0; i < units; i++) {
      const cin = b.channels(y);
      const half = c / 2;
      const branch = (z: string, stride: number): string => {
        z = b.relu(b.conv(z, half, 1));
        z = b.conv(z, half, 3, stride, half);
        return b.relu(b.conv(z, half, 1));
      };
      if (i === 0 && canDown(b, y)) {
        const left = b.relu(b.conv(b.conv(y, cin, 3, 2, cin), half, 1));
        y = b.concat([left, branch(y, 2)]);
      } else if (cin === c) {
        y = b.concat([b.sliceChannels(y, 0, half), branch(b.sliceChannels(y, half, c), 1)]);
      } else {
        y = b.concat([b.relu(b.conv(y, half, 1)), branch(y, 1)]);
      }
      y = b.channelShuffle(y, 2);
    }
    c *= 2;
  }
  y = b.relu(b.conv(y, b.channels(y) > 900 ? 2048 : 1024, 1));
  return head(b, y, spec, r);
}

const shuffle: Recipe = (b, x, r, spec) => {
  if (spec.version >= 2 && r.chance(0.5)) return shuffleV2(b, x, r, spec);
  const groups = r.pick([2, 4]);
  let c = groups * 8 * r.int(2, 6);
  let y = stem(b, x, r, c, 'relu');
  const stages = r.int(2, 4);
  for (let s = 0; s < stages; s++) {
    const units = r.int(1, 4);
    for (let i = 0; i < units; i++) {
      const stride = i === 0 && canDown(b, y) ? 2 : 1;
      const cin = b.channels(y);
      const mid = groups * Math.max(2, Math.round(c / 4 / groups));
      let z = b.relu(b.conv(y, mid, 1, 1, cin % groups === 0 ? groups : 1));
      z = b.channelShuffle(z, groups);
      z = b.conv(z, mid, 3, stride, mid);
      if (stride === 2) {
        z = b.conv(z, c, 1, 1, groups);
        y = b.relu(b.concat([z, b.avgPool(y, 3, 2, 1)]));
      } else {
        z = b.conv(z, cin, 1, 1, cin % groups === 0 ? groups : 1);
        y = b.relu(b.add(z, y));
      }
    }
    c = b.channels(y);
  }
  return head(b, y, spec, r);
};

const RECIPES: Readonly<Record<Family, Recipe>> = { lenet, plain, basic, bottleneck, inverted, depthwise, grouped, inception, dense, shuffle };

export interface GeneratedModel {
  readonly name: string;
  readonly family: Family;
  readonly seed: number;
  readonly version: ZooVersion;
  readonly resolution: number;
  /** Nodes in the ONNX graph. */
  readonly nodes: number;
  readonly bytes: Uint8Array;
}

export interface GenerateOptions {
  /** Seeded float initializers instead of structure-only weight inputs (default false). */
  readonly weights?: boolean;
  /** The generator's version (default 1, see ZOO_VERSIONS). */
  readonly version?: ZooVersion;
}

/** One model of a family; the same (family, seed) always gives the same bytes. */
export function generateModel(family: Family, seed: number, options: GenerateOptions = {}): GeneratedModel {
  const r = new Rng(seed);
  const resolution = family === 'lenet' ? r.pick([28, 32, 48, 64]) : r.pick(RESOLUTIONS);
  const version = options.version ?? 1;
  if (!ZOO_VERSIONS.includes(version)) throw new RangeError(`zoo: version ${String(version)} is not one of ${ZOO_VERSIONS.join(', ')}`);
  const spec: FamilySpec = { version, family, seed, resolution, inChannels: family === 'lenet' ? r.pick([1, 3]) : 3, classes: r.pick([10, 100, 1000]) };
  const b = new NetBuilder(r, { weights: options.weights ?? false, foldBatchNorm: r.chance(0.7) }, 'input', [1, spec.inChannels, resolution, resolution]);
  const out = RECIPES[family](b, b.input, r, spec);
  const name = version === 1 ? `${family}-${seed}` : `${family}-v${version}-${seed}`;
  return { name, family, seed, version, resolution, nodes: b.layerCount, bytes: b.encode(name, out) };
}
