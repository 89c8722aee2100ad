#!/usr/bin/env node
// Writes the handmade exporter-pattern fixtures in fixtures/models/exporters/ (see
// fixtures/models/README.md): small models with random weights (seeded), each written the way
// another exporter writes it — weights in Constant nodes, computed resize scales, decomposed
// activations and affine scales, NHWC transposes, opset 9 forms, a dynamic batch. Deterministic:
// re-running rewrites the same bytes.
//
//   npm run build && node scripts/make-exporter-fixtures.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataType, encodeModel } from '@splitc/onnx';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'fixtures/models/exporters');
mkdirSync(dir, { recursive: true });

let seed = 12345;
const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
const randn = (n, scale) => Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
const f32 = (xs) => new Uint8Array(new Float32Array(xs).buffer);
const i64 = (xs) => new Uint8Array(new BigInt64Array(xs.map(BigInt)).buffer);
const vi = (name, shape, elemType = DataType.FLOAT) => ({ name, elemType, shape });
const ints = (name, v) => ({ name, type: 'ints', ints: v });
const int = (name, v) => ({ name, type: 'int', i: v });
const float = (name, v) => ({ name, type: 'float', f: v });
const str = (name, v) => ({ name, type: 'string', s: new TextEncoder().encode(v) });
const tensor = (name, dims, data, dataType = DataType.FLOAT) => ({ name, dataType, dims, data });

/** A tiny graph builder: weights either as initializers or as Constant nodes. */
function builder(constants = false) {
  const nodes = [];
  const inits = [];
  let k = 0;
  const weight = (name, dims, values, dataType = DataType.FLOAT) => {
    const data = dataType === DataType.FLOAT ? f32(values) : i64(values);
    if (constants) {
      nodes.push({ name: `${name}_const`, opType: 'Constant', inputs: [], outputs: [name], attributes: [{ name: 'value', type: 'tensor', t: { ...tensor('', dims, data, dataType), storage: 'raw', docString: '', span: { start: 0, end: 0 } } }] });
    } else {
      inits.push(tensor(name, dims, data, dataType));
    }
    return name;
  };
  const node = (opType, inputs, attributes = [], name = `${opType.toLowerCase()}_${k++}`) => {
    const out = `${name}_out`;
    nodes.push({ name, opType, inputs, outputs: [out], attributes });
    return out;
  };
  return { nodes, inits, weight, node };
}

function save(file, b, inputs, outputs, opset = 13, producer = 'splitc handmade') {
  const bytes = encodeModel({
    irVersion: opset >= 13 ? 8 : 7,
    opsetImport: [{ domain: '', version: opset }],
    producerName: producer,
    graph: { name: path.basename(file, '.onnx'), nodes: b.nodes, initializers: b.inits, inputs, outputs },
  });
  writeFileSync(path.join(dir, file), bytes);
  console.log(`wrote fixtures/models/exporters/${file} (${bytes.length} bytes)`);
}

// --- weights in Constant nodes vs initializers (tf2onnx / Keras / older PyTorch) ---------------
function smallCnn(constants, batch = 1) {
  seed = 777;
  const b = builder(constants);
  const conv = (x, cin, cout, k, attrs, bias = true) => {
    const w = b.weight(`w${b.nodes.length}`, [cout, cin, k, k], randn(cout * cin * k * k, 1 / Math.sqrt(cin * k * k)));
    const ins = [x, w];
    if (bias) ins.push(b.weight(`b${b.nodes.length}`, [cout], randn(cout, 0.1)));
    return b.node('Conv', ins, attrs);
  };
  let t = conv('input', 3, 8, 3, [ints('pads', [1, 1, 1, 1])]);
  t = b.node('Relu', [t]);
  t = conv(t, 8, 8, 3, [ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])], false);
  const c = 8;
  t = b.node('BatchNormalization', [t, b.weight('bn_scale', [c], randn(c, 0.5).map((v) => 1 + v)), b.weight('bn_bias', [c], randn(c, 0.2)), b.weight('bn_mean', [c], randn(c, 0.1)), b.weight('bn_var', [c], randn(c, 0.3).map((v) => 1 + Math.abs(v)))]);
  t = b.node('Relu', [t]);
  t = b.node('GlobalAveragePool', [t]);
  t = b.node('Flatten', [t]);
  b.nodes.push({ name: 'fc', opType: 'Gemm', inputs: [t, b.weight('fc_w', [10, 8], randn(80, 0.3)), b.weight('fc_b', [10], randn(10, 0.1))], outputs: ['output'], attributes: [int('transB', 1)] });
  return { b, inputs: [vi('input', [batch, 3, 16, 16])], outputs: [vi('output', [batch, 10])] };
}
{
  const a = smallCnn(true);
  save('constant-weights.onnx', a.b, a.inputs, a.outputs, 13, 'tf2onnx-style (weights in Constant nodes)');
  const i = smallCnn(false);
  save('constant-weights-init.onnx', i.b, i.inputs, i.outputs, 13, 'the same model, weights as initializers');
  const d = smallCnn(false, 'N');
  save('dynamic-batch.onnx', d.b, d.inputs, d.outputs, 13, 'PyTorch dynamic_axes-style (symbolic batch)');
}

// --- Resize scales computed from initializers (tf2onnx; PyTorch without constant folding) ------
{
  seed = 99;
  const b = builder(false);
  let t = b.node('Conv', ['input', b.weight('w0', [4, 4, 3, 3], randn(144, 0.3))], [ints('pads', [1, 1, 1, 1])]);
  t = b.node('Relu', [t]);
  const scales = b.node('Concat', [b.weight('ones', [2], [1, 1]), b.node('Mul', [b.weight('factor', [2], [1, 1]), b.weight('two', [], [2])])], [int('axis', 0)]);
  t = b.node('Resize', [t, '', scales], [str('mode', 'nearest')]);
  b.nodes.push({ name: 'conv_out', opType: 'Conv', inputs: [t, b.weight('w1', [4, 4, 3, 3], randn(144, 0.3))], outputs: ['output'], attributes: [ints('pads', [1, 1, 1, 1])] });
  save('resize-computed-scales.onnx', b, [vi('input', [1, 4, 8, 8])], [vi('output', [1, 4, 16, 16])]);
}

// --- MobileNetV3-style: decomposed hard-swish / hard-sigmoid, affine (BN-as-Mul/Add) scales ----
{
  seed = 2024;
  const b = builder(false);
  const three = b.weight('three', [], [3]);
  const six = b.weight('six', [], [6]);
  // PyTorch writes Clip's bounds as Constant nodes.
  b.nodes.push({ name: 'clip_min', opType: 'Constant', inputs: [], outputs: ['zero_c'], attributes: [{ name: 'value', type: 'tensor', t: { ...tensor('', [], f32([0])), storage: 'raw', docString: '', span: { start: 0, end: 0 } } }] });
  b.nodes.push({ name: 'clip_max', opType: 'Constant', inputs: [], outputs: ['six_c'], attributes: [{ name: 'value', type: 'tensor', t: { ...tensor('', [], f32([6])), storage: 'raw', docString: '', span: { start: 0, end: 0 } } }] });
  const conv = (x, cin, cout, k, stride, group = 1, bias = false) => {
    const w = b.weight(`w${b.nodes.length}`, [cout, cin / group, k, k], randn(cout * (cin / group) * k * k, 1.5 / Math.sqrt((cin / group) * k * k)));
    const p = (k - 1) / 2;
    return b.node('Conv', bias ? [x, w, b.weight(`cb${b.nodes.length}`, [cout], randn(cout, 0.1))] : [x, w], [ints('kernel_shape', [k, k]), ints('pads', [p, p, p, p]), ints('strides', [stride, stride]), int('group', group)]);
  };
  // Keras-style batch norm: a per-channel scale and shift after the convolution.
  const affine = (x, c) => b.node('Add', [b.node('Mul', [x, b.weight(`g${b.nodes.length}`, [c, 1, 1], randn(c, 0.3).map((v) => 1 + v))]), b.weight(`s${b.nodes.length}`, [1, c, 1, 1], randn(c, 0.2))]);
  // x · relu6(x + 3) / 6 (torch.onnx before opset 14).
  const hardSwish = (x) => b.node('Div', [b.node('Mul', [x, b.node('Clip', [b.node('Add', [x, three]), 'zero_c', 'six_c'])]), six]);
  // relu6(x + 3) / 6
  const hardSigmoid = (x) => b.node('Div', [b.node('Clip', [b.node('Add', [x, three]), 'zero_c', 'six_c']), six]);
  let t = hardSwish(affine(conv('input', 3, 16, 3, 2), 16));
  t = b.node('Relu', [affine(conv(t, 16, 16, 3, 1, 16), 16)]);
  const se = hardSigmoid(conv(b.node('Relu', [conv(b.node('GlobalAveragePool', [t]), 16, 8, 1, 1, 1, true)]), 8, 16, 1, 1, 1, true));
  t = b.node('Mul', [t, se]);
  t = affine(conv(t, 16, 24, 1, 1), 24);
  // x · HardSigmoid(x) with PyTorch's alpha = 1/6 (torch.onnx at opset 13).
  const e = affine(conv(t, 24, 48, 1, 1), 48);
  t = b.node('Mul', [e, b.node('HardSigmoid', [e], [float('alpha', 1 / 6), float('beta', 0.5)])]);
  t = b.node('Flatten', [b.node('GlobalAveragePool', [t])]);
  b.nodes.push({ name: 'classifier', opType: 'Gemm', inputs: [t, b.weight('fc_w', [10, 48], randn(480, 0.2)), b.weight('fc_b', [10], randn(10, 0.1))], outputs: ['output'], attributes: [int('transB', 1)] });
  save('mobilenetv3-decomposed.onnx', b, [vi('input', [1, 3, 32, 32])], [vi('output', [1, 10])]);
}

// --- tf2onnx NHWC: Transposes around every convolution ------------------------------------------
{
  seed = 4242;
  const b = builder(false);
  const toNchw = [ints('perm', [0, 3, 1, 2])];
  const toNhwc = [ints('perm', [0, 2, 3, 1])];
  let t = 'input';
  for (const [cin, cout] of [[3, 8], [8, 8], [8, 16]]) {
    t = b.node('Transpose', [t], toNchw);
    t = b.node('Conv', [t, b.weight(`w${b.nodes.length}`, [cout, cin, 3, 3], randn(cout * cin * 9, 1 / Math.sqrt(cin * 9))), b.weight(`b${b.nodes.length}`, [cout], randn(cout, 0.1))], [ints('pads', [1, 1, 1, 1])]);
    t = b.node('Relu', [t]);
    t = b.node('Transpose', [t], toNhwc);
  }
  b.nodes[b.nodes.length - 1].outputs = ['output'];
  save('tf2onnx-nhwc.onnx', b, [vi('input', [1, 16, 16, 3])], [vi('output', [1, 16, 16, 16])], 13, 'tf2onnx-style (NHWC)');
}

// --- opsets 7 and 9: Upsample (scales as attribute, then input), Pad and Slice with attributes,
// BatchNormalization with the legacy `spatial` attribute (opset 7) --------------------------------
function legacy(opset) {
  seed = 909;
  const b = builder(false);
  let t = b.node('Pad', ['input'], [ints('pads', [0, 0, 1, 1, 0, 0, 1, 1]), str('mode', 'constant'), float('value', 0)]);
  t = b.node('Conv', [t, b.weight('w0', [8, 3, 3, 3], randn(216, 0.3)), b.weight('b0', [8], randn(8, 0.1))]);
  const c = 8;
  t = b.node('BatchNormalization', [t, b.weight('bn_scale', [c], randn(c, 0.3).map((v) => 1 + v)), b.weight('bn_bias', [c], randn(c, 0.1)), b.weight('bn_mean', [c], randn(c, 0.1)), b.weight('bn_var', [c], randn(c, 0.2).map((v) => 1 + Math.abs(v)))], [float('epsilon', 1e-3), float('momentum', 0.99), ...(opset < 9 ? [int('spatial', 1)] : [])]);
  t = b.node('Relu', [t]);
  t = opset < 9
    ? b.node('Upsample', [t], [str('mode', 'nearest'), { name: 'scales', type: 'floats', floats: [1, 1, 2, 2] }])
    : b.node('Upsample', [t, b.weight('up_scales', [4], [1, 1, 2, 2])], [str('mode', 'nearest')]);
  t = b.node('Slice', [t], [ints('starts', [1, 1]), ints('ends', [15, 15]), ints('axes', [2, 3])]);
  b.nodes.push({ name: 'conv_out', opType: 'Conv', inputs: [t, b.weight('w1', [4, 8, 3, 3], randn(288, 0.2))], outputs: ['output'], attributes: [ints('pads', [1, 1, 1, 1])] });
  save(opset < 9 ? 'opset7-legacy.onnx' : 'opset9-upsample.onnx', b, [vi('input', [1, 3, 8, 8])], [vi('output', [1, 4, 14, 14])], opset, `onnx opset ${opset} forms (Keras2onnx / early PyTorch)`);
}
legacy(9);
legacy(7);
