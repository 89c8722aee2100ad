// @splitc/compile: `splitc compile` as a library — the driver (analyse, plan, partition, emit,
// write atomically), the versioned Manifest it writes and readManifest, and the atomic writer.
export { compile, type CompileOptions } from './compile.js';
export { analyzeFile, type InspectOptions } from './analyze.js';
export { plan, planGraph, parseObjective, parsePredictor, preparePredictor, type PlanRequest } from './plan.js';
export { Manifest, ArtifactEntry, MANIFEST_SCHEMA_VERSION, parseManifest, readManifest, serializeManifest } from './manifest.js';
export {
  MAX_OUTPUT_NAME_BYTES, validateOutputPath, isSplitcOutput, sweepStale, checkOutputDir, writeDirAtomic, writeFileAtomic, writeFilesAtomic, type OutputFile,
} from './write-file.js';
export { VERSION } from './version.js';
// The seam record lives in @splitc/ir (beside the cut it describes); re-exported for callers.
export {
  CrossingEntry, SeamSection, crossingEntry, seamSection, dpuLayoutShape, seamInputNames, servedModelName, batchedShape, linkBytes, linkDtype,
  CROSSING_FROM, DPU_LAYOUT, DPU_DTYPE, NCHW_TO_NHWC, NHWC_TO_NCHW, WIRE_PROTOCOL, QUANTIZATION,
  type CrossingFrom, type SeamInput, type CutTensorLike, type WireTensor,
} from '@splitc/ir';
