// @splitc/onnx: safe ONNX reading (and, for partitions, writing).
export * from './proto.js';
export { decodeModel, MAX_MODEL_BYTES } from './decode.js';
export { loadModel, loadModelFromBytes, type LoadedModel } from './load.js';
export { resolveExternal, readExternal, type ResolvedExternal } from './external-data.js';
export { decodeValues, encodeValues } from './tensor-values.js';
