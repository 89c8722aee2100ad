// @splitc/targets: device and link profiles, DPU operator support, the latency model.
export * from './schema.js';
export { builtinCatalog, parseTargetFile, readTargetFile, resolveTarget, DEFAULT_LINK, DEFAULT_PRECISION, DEFAULT_TARGET, type Catalog, type ResolvedTarget, type TargetRequest } from './registry.js';
export { dpuSupport, type DpuSupport } from './dpu-support.js';
export { opClass, convKind, type OpClass } from './op-class.js';
export { dpuLayerEstimate, gpuLayerEstimate, linkMs, type LayerEstimate } from './latency.js';
export { parseTrtexecProfile, parseDpuProfile, readTrtexecProfile, readDpuProfile, DpuProfileFile, type MeasuredProfile } from './measured.js';
