// Seeded mutations of real ONNX exports, for the fuzz campaign (scripts/fuzz.mjs) and the fuzz
// tests in `npm test`: byte-level (flip, overwrite, insert, delete, truncate, duplicate) and
// structure-aware (decode, change one thing a hostile or broken exporter could write, re-encode).
// Every mutant is a pure function of (base model, seed).
import { DataType, decodeModel, elementCount, encodeModel } from '@splitc/onnx';

/** xorshift32: a small deterministic generator. */
export function rng(seed) {
  // splitmix32 of the seed first, so that consecutive seeds start far apart.
  let z = (seed + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  let s = ((z ^ (z >>> 16)) >>> 0) || 0x9e3779b9;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
  return {
    next,
    int: (n) => (n <= 0 ? 0 : next() % n),
    pick: (xs) => xs[next() % xs.length],
    chance: (p) => next() / 2 ** 32 < p,
  };
}

export const BYTE_MUTATIONS = ['flip', 'overwrite', 'insert', 'delete', 'truncate', 'duplicate'];
export const STRUCT_MUTATIONS = [
  'drop-node', 'duplicate-node', 'swap-nodes', 'rewire-input', 'rename-output', 'drop-input-slot', 'attr-int', 'attr-ints',
  'attr-float', 'attr-drop', 'op-type', 'input-dims', 'input-symbolic', 'init-dims', 'init-dtype', 'drop-init', 'opset',
  'output-name', 'constant-node', 'empty-name', 'nasty-name', 'domain',
];

/** Values a careless or hostile exporter writes where a small int belongs. */
const INTS = [0, -1, 1, 2, 3, 7, -7, 64, 65_537, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
const FLOATS = [0, -0, 1, -1, 0.5, 6, 1e-45, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
const OPS = ['Relu', 'Conv', 'Add', 'Mul', 'Concat', 'Reshape', 'Gemm', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'BatchNormalization',
  'Flatten', 'Transpose', 'Slice', 'Pad', 'Resize', 'Clip', 'Softmax', 'Split', 'Gather', 'Shape', 'ConstantOfShape', 'Expand', 'Tile',
  'Squeeze', 'Unsqueeze', 'Identity', 'Sigmoid', 'HardSwish', 'Div', 'Sub', 'MatMul', 'ConvTranspose', 'Upsample', 'Loop', 'If', 'NoSuchOp'];
const DTYPES = [0, DataType.FLOAT, DataType.INT64, DataType.INT32, DataType.UINT8, DataType.BOOL, DataType.DOUBLE, DataType.FLOAT16, DataType.STRING, 99];
const NASTY = ['', 'a\nb', '"; rm -rf / #', '$(touch /tmp/pwned)', '`id`', '"""', '</script>', '\u0000', 'x'.repeat(300), '../../etc', '\uFFFD\u202E'];

const decoded = new WeakMap();
function decodeOnce(base) {
  let m = decoded.get(base);
  if (m === undefined) decoded.set(base, (m = decodeModel(base)));
  return m;
}

/** One mutant of `base`. `kind` says which mutation made it. */
export function mutate(base, seed) {
  const r = rng(seed);
  if (r.chance(0.5)) {
    const kind = r.pick(BYTE_MUTATIONS);
    return { kind: `byte:${kind}`, bytes: mutateBytes(base, kind, r) };
  }
  const kind = r.pick(STRUCT_MUTATIONS);
  return { kind: `struct:${kind}`, bytes: mutateStructure(decodeOnce(base), base, kind, r) };
}

function mutateBytes(base, kind, r) {
  const b = Uint8Array.from(base);
  const at = r.int(b.length);
  switch (kind) {
    case 'flip': for (let n = 1 + r.int(8); n > 0; n--) b[r.int(b.length)] ^= 1 << r.int(8); return b;
    case 'overwrite': for (let n = 1 + r.int(4); n > 0; n--) b[r.int(b.length)] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]); return b;
    case 'insert': {
      const extra = Uint8Array.from({ length: 1 + r.int(16) }, () => r.int(256));
      return concat([b.subarray(0, at), extra, b.subarray(at)]);
    }
    case 'delete': return concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.int(64)))]);
    case 'truncate': return b.subarray(0, at);
    default: { // duplicate a chunk in place
      const len = 1 + r.int(256);
      return concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
    }
  }
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function mutateStructure(m, base, kind, r) {
  const g = m.graph;
  const nodes = g.nodes.map((n) => ({ name: n.name, opType: n.opType, domain: n.domain, inputs: [...n.inputs], outputs: [...n.outputs], attributes: n.attributes.map((a) => ({ ...a })) }));
  let inits = g.initializers.map((t) => ({ copy: t }));
  const vi = (v) => ({ name: v.name, elemType: v.elemType ?? 0, ...(v.shape !== undefined ? { shape: v.shape.map((d) => (d === null ? '?' : d)) } : {}) });
  const inputs = g.inputs.map(vi);
  const outputs = g.outputs.map(vi);
  let opset = m.opsetImport.map((o) => ({ ...o }));
  const tensorNames = [...new Set([...g.initializers.map((t) => t.name), ...g.inputs.map((v) => v.name), ...g.nodes.flatMap((n) => n.outputs)])];
  const node = () => nodes[r.int(nodes.length)];
  const withAttrs = () => { const withA = nodes.filter((n) => n.attributes.length > 0); return withA.length > 0 ? r.pick(withA) : undefined; };
  switch (kind) {
    case 'drop-node': if (nodes.length > 0) nodes.splice(r.int(nodes.length), 1); break;
    case 'duplicate-node': if (nodes.length > 0) { const n = node(); nodes.splice(r.int(nodes.length), 0, { ...n, name: `${n.name}_dup`, outputs: r.chance(0.5) ? n.outputs : n.outputs.map((o) => `${o}_dup`) }); } break;
    case 'swap-nodes': if (nodes.length > 1) { const i = r.int(nodes.length); const j = r.int(nodes.length); [nodes[i], nodes[j]] = [nodes[j], nodes[i]]; } break;
    case 'rewire-input': { const n = node(); if (n !== undefined && n.inputs.length > 0) n.inputs[r.int(n.inputs.length)] = r.chance(0.9) ? r.pick(tensorNames) : 'ghost'; break; }
    case 'rename-output': { const n = node(); if (n !== undefined && n.outputs.length > 0) n.outputs[r.int(n.outputs.length)] = r.pick(tensorNames); break; }
    case 'drop-input-slot': { const n = node(); if (n !== undefined && n.inputs.length > 0) { if (r.chance(0.5)) n.inputs.splice(r.int(n.inputs.length), 1); else n.inputs[r.int(n.inputs.length)] = ''; } break; }
    case 'attr-int': { const n = withAttrs(); if (n !== undefined) { const a = r.pick(n.attributes); n.attributes[n.attributes.indexOf(a)] = { name: a.name, type: 'int', i: r.pick(INTS) }; } break; }
    case 'attr-ints': {
      const n = withAttrs();
      if (n !== undefined) { const a = r.pick(n.attributes); n.attributes[n.attributes.indexOf(a)] = { name: a.name, type: 'ints', ints: Array.from({ length: r.int(9) }, () => r.pick(INTS)) }; }
      break;
    }
    case 'attr-float': { const n = withAttrs(); if (n !== undefined) { const a = r.pick(n.attributes); n.attributes[n.attributes.indexOf(a)] = { name: a.name, type: 'float', f: r.pick(FLOATS) }; } break; }
    case 'attr-drop': { const n = withAttrs(); if (n !== undefined) n.attributes.splice(r.int(n.attributes.length), 1); break; }
    case 'op-type': { const n = node(); if (n !== undefined) n.opType = r.pick(OPS); break; }
    case 'input-dims': { const v = r.pick(inputs); if (v?.shape !== undefined && v.shape.length > 0) v.shape[r.int(v.shape.length)] = r.pick([0, 1, 3, 1000, 2 ** 20, 2 ** 40]); break; }
    case 'input-symbolic': { const v = r.pick(inputs); if (v?.shape !== undefined && v.shape.length > 0) v.shape[r.int(v.shape.length)] = r.pick(['N', 'batch', '?']); else if (v !== undefined) delete v.shape; break; }
    case 'init-dims': case 'init-dtype': {
      if (inits.length === 0) break;
      const k = r.int(inits.length);
      const t = inits[k].copy;
      const dims = kind === 'init-dims' ? t.dims.map((d, i) => (i === r.int(t.dims.length) ? r.pick([0, 1, d + 1, 2 ** 31]) : d)) : t.dims;
      const dataType = kind === 'init-dtype' ? r.pick(DTYPES) : t.dataType;
      const data = t.storage === 'external' ? new Uint8Array(0) : t.data;
      inits[k] = { fresh: { name: t.name, dataType, dims, data } };
      break;
    }
    case 'drop-init': if (inits.length > 0) inits.splice(r.int(inits.length), 1); break;
    case 'opset': opset = [{ domain: '', version: r.pick([0, 1, 6, 7, 9, 10, 11, 12, 14, 17, 18, 21, 99]) }]; break;
    case 'output-name': { const o = r.pick(outputs); if (o !== undefined) o.name = r.chance(0.5) ? r.pick(tensorNames) : 'never-made'; break; }
    case 'constant-node': {
      // A Constant node in front of a node's input, with an odd tensor.
      const n = node();
      if (n === undefined || n.inputs.length === 0) break;
      const dims = r.pick([[], [1], [4], [0], [2, 2], [65_537]]);
      const dataType = r.pick([DataType.FLOAT, DataType.INT64, DataType.INT32]);
      const count = elementCount(dims);
      const size = dataType === DataType.INT64 ? 8 : 4;
      const data = new Uint8Array(r.chance(0.8) ? count * size : r.int(16));
      for (let i = 0; i < data.length; i++) data[i] = r.int(4);
      nodes.unshift({ name: 'fuzz_const', opType: 'Constant', domain: '', inputs: [], outputs: ['fuzz_c'], attributes: [{ name: 'value', type: 'tensor', t: { name: '', dataType, dims, data, storage: 'raw', docString: '', span: { start: 0, end: 0 } } }] });
      n.inputs[r.int(n.inputs.length)] = 'fuzz_c';
      break;
    }
    case 'empty-name': { const n = node(); if (n !== undefined) n.name = ''; break; }
    case 'nasty-name': {
      // Rename a tensor everywhere (model-consistent), or a node.
      const name = r.pick(NASTY);
      if (r.chance(0.5)) { const n = node(); if (n !== undefined) n.name = name; break; }
      const old = r.pick(tensorNames);
      if (old === undefined) break;
      for (const n of nodes) { n.inputs = n.inputs.map((i) => (i === old ? name : i)); n.outputs = n.outputs.map((o) => (o === old ? name : o)); }
      for (const v of [...inputs, ...outputs]) if (v.name === old) v.name = name;
      inits = inits.map((e) => (e.copy?.name === old ? { fresh: { name, dataType: e.copy.dataType, dims: e.copy.dims, data: e.copy.storage === 'external' ? new Uint8Array(0) : e.copy.data } } : e));
      break;
    }
    default: { const n = node(); if (n !== undefined) n.domain = r.pick(['com.microsoft', 'ai.onnx.ml', 'ai.onnx', 'custom']); }
  }
  return encodeModel({
    irVersion: m.irVersion,
    opsetImport: opset,
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    graph: {
      name: g.name,
      nodes,
      initializers: inits.map((e) => (e.copy !== undefined ? { copyFrom: base, span: e.copy.span } : e.fresh)),
      inputs,
      outputs,
    },
  });
}
