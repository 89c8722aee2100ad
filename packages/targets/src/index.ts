// @splitc/targets: device and link profiles, DPU operator support, the latency model.
export * from './schema.js';
export { builtinCatalog, parseTargetFile, readTargetFile, resolveTarget, DEFAULT_LINK, DEFAULT_PRECISION, DEFAULT_TARGET, type Catalog, type ResolvedTarget, type TargetRequest } from './registry.js';
export { dpuSupport, DPU_LEAKY_RELU_ALPHA, type DpuSupport } from './dpu-support.js';
export { runtimeConcurrency, DEFAULT_DPU_RUNNER_THREADS, DEFAULT_GPU_CONTEXTS, type RuntimeConcurrency } from './concurrency.js';
export { opClass, convKind, type OpClass } from './op-class.js';
export { activationElements, dpuLayerEstimate, gpuActivationBytes, gpuLayerEstimate, gpuLayerTerms, gpuTileUse, linkMs, type GpuLayerTerms, type LayerEstimate } from './latency.js';
export { gpuRoles, type GpuKernelClass, type GpuRole } from './gpu-kernels.js';
export { parseTrtexecProfile, parseDpuProfile, parseGpuSuffixProfile, parseGpuProfile, readTrtexecProfile, readGpuProfile, readDpuProfile, DpuProfileFile, GpuSuffixProfileFile, type MeasuredProfile } from './measured.js';
