// @splitc/compile: the contracts of `splitc compile` — the versioned Manifest and the seam record.
export { Manifest, ArtifactEntry, MANIFEST_SCHEMA_VERSION, parseManifest, readManifest, serializeManifest } from './manifest.js';
export {
  CrossingEntry, SeamSection, crossingEntry, seamSection, dpuLayoutShape, seamInputNames, servedModelName, batchedShape,
  DPU_LAYOUT, DPU_DTYPE, WIRE_PROTOCOL, QUANTIZATION, type SeamInput, type CutTensorLike, type WireTensor,
} from './seam.js';
