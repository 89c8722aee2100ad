// @splitc/emit-vitis: the DPU side's build — PyTorch code, vai_q_pytorch, vai_c_xir.
export { emitModelPy, outputModules, MODULE_CLASS, type ModelPyInput } from './model-py.js';
export { emitQuantizePy, emitCompileSh, emitVitisReadme, VITIS_AI_VERSION, PYTORCH_VERSION, XMODEL_NAME, type VitisScriptsInput } from './scripts.js';
export { emitDpuWorkerPy, emitXmodelMapPy, type XmodelMapInput } from './worker-py.js';
