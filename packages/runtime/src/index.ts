// @splitc/runtime: the split running — KServe v2 codec, server and client, bounded queues, the
// DPU → link → GPU pipeline, reference executors on onnxruntime-node. Never imports the CLI or the IR.
export { DATATYPE_BYTES, HEADER_LENGTH, ProtocolError, decodeRequest, decodeResponse, encodeRequest, encodeResponse, typedView, type Datatype, type EncodedBody, type InferRequest, type InferResponse, type WireData } from './codec.js';
export { startServer, validateRequest, maxRequestBytes, type Executor, type ModelSpec, type RunningServer, type ServerOptions, type TensorSpec } from './server.js';
export { InferenceClient, type ClientOptions } from './client.js';
export { BoundedQueue } from './queue.js';
export { Pacer, sleepUntil } from './pace.js';
export { chooseFixPoint, quantizeToNhwc, dequantizeFromNhwc, fakeQuantize } from './quantize.js';
export { seededFrame, readNpy, listNpy } from './frames.js';
export { loadOrt, seamPlan, ReferenceDpu, ReferenceGpu, ReferenceModel, type Frame, type SeamPlan } from './reference.js';
export { run, serve, planPace, type RunOptions, type RunResult, type ServeOptions, type ServeHandle, type PlanPace } from './run.js';
