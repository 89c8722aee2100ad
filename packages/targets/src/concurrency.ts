// The runtime's concurrency, from the target profile: what the planner's stream model prices and
// what the runtime (splitc run/serve, the emitted workers) does by default.
//
// - DPU batch: frames per runner call = `dpu.compute.parallelFrames` (the batch handlers; dims[0]
//   of every runner tensor, 6 on DPUCVDX8G C32B6). The stream model charges one call per batch.
// - DPU runner threads: calls in flight, one VART runner each. They overlap the host's work
//   (quantization, sending) with the DPU's; the DPU itself runs one batch at a time, so they do
//   not change the priced rate. Default 2: one computing, one being filled or drained.
// - GPU contexts: requests executed at once, each on its own CUDA stream. They overlap one
//   request's copies with another's compute; the GPU runs one frame's kernels at a time at batch 1,
//   so the priced rate is one frame per gpuMs whatever the count. Default 2, for the same reason.

import type { DpuDevice, GpuDevice } from './schema.js';

export const DEFAULT_DPU_RUNNER_THREADS = 2;
export const DEFAULT_GPU_CONTEXTS = 2;

export interface RuntimeConcurrency {
  /** Frames per DPU runner call. */
  readonly batch: number;
  readonly dpuRunnerThreads: number;
  readonly gpuContexts: number;
}

export function runtimeConcurrency(target: { readonly dpu: DpuDevice; readonly gpu: GpuDevice }): RuntimeConcurrency {
  return {
    batch: target.dpu.compute.parallelFrames,
    dpuRunnerThreads: target.dpu.runtime?.runnerThreads ?? DEFAULT_DPU_RUNNER_THREADS,
    gpuContexts: target.gpu.runtime?.contexts ?? DEFAULT_GPU_CONTEXTS,
  };
}
