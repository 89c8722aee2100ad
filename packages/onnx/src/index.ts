// @splitc/onnx: safe ONNX reading (and, for partitions, writing).
export * from './proto.js';
export { decodeModel, decodeTensor, MAX_MODEL_BYTES } from './decode.js';
export { loadModel, loadModelFromBytes, type LoadedModel } from './load.js';
export { resolveExternal, readExternal, type ResolvedExternal } from './external-data.js';
export { decodeValues, encodeValues } from './tensor-values.js';
export { encodeModel, encodeModelParts, partsLength, type ModelInput, type NodeInput, type TensorInput, type ValueInfoInput } from './encode.js';
