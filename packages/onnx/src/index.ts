// @splitc/onnx: safe ONNX reading (and, for partitions, writing).
export * from './proto.js';
export { decodeModel, decodeTensor, MAX_MODEL_BYTES } from './decode.js';
export { loadModel, loadModelFromBytes, type LoadedModel, type LoadOptions } from './load.js';
export { scanStructure, holesOf, HOLE_MIN_BYTES, type Regions } from './structure-scan.js';
export { sha256Hasher, sha256HasherFor, inlineHasher, BACKGROUND_HASH_MIN_BYTES, type Sha256Hasher, type Sha256Job, type HasherOptions, type BackgroundFill } from './sha256-worker.js';
export { resolveExternal, readExternal, type ResolvedExternal } from './external-data.js';
export { decodeValues, elementCount, encodeValues } from './tensor-values.js';
export { encodeModel, encodeModelParts, partsLength, type ModelInput, type NodeInput, type TensorInput, type ValueInfoInput } from './encode.js';
