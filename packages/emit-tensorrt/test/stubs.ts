// Stand-ins for the vendor Python modules the emitted scripts import, shared by the tests that
// run those scripts here (no TensorRT, no Triton on this machine). Each does only what the
// documented API does for the calls the scripts make, and logs what it was given.

/** triton_python_backend_utils, with the calls the seam's model.py makes (python_backend README). */
export const PB_UTILS_STUB = `import numpy as np
class Tensor(object):
    def __init__(self, name, array):
        self._name, self._array = name, array
    def name(self):
        return self._name
    def as_numpy(self):
        return self._array
class InferenceResponse(object):
    def __init__(self, output_tensors, error=None):
        self.output_tensors, self.error = output_tensors, error
def get_input_tensor_by_name(request, name):
    for t in request:
        if t.name() == name:
            return t
    return None
`;

/** How the stand-in OnnxParser behaves. */
export const TRT_PARSERS = {
  /**
   * Like TensorRT for a model with external weights: parse(bytes) cannot find them, and
   * parse_from_file succeeds only when partition.onnx.data is beside the file it was given.
   */
  externalWeights: `class OnnxParser:
    num_errors = 1
    def __init__(self, network, logger): pass
    def get_error(self, i): return "external data file not found (parse() was given bytes, no path)"
    def parse(self, data): _log("parse(bytes)"); return False
    def parse_from_file(self, p):
        _log("parse_from_file " + p)
        return os.path.isfile(p) and os.path.isfile(os.path.join(os.path.dirname(p), "partition.onnx.data"))
`,
  /** Accepts everything, logging how it was called (for parse: whether the bytes are the file's). */
  recording: `class OnnxParser:
    num_errors = 0
    def __init__(self, network, logger): pass
    def parse(self, data, path=None):
        _log("parse %d bytes, path %s, starts like the partition: %s" % (len(data), path, bytes(data[:4]) == open(path, "rb").read()[:4]))
        return True
    def parse_from_file(self, p): _log("parse_from_file " + p); return True
`,
} as const;

/**
 * tensorrt (the TensorRT 10 Python API as build_engine.py uses it). Logs to $TRT_STUB_LOG; the
 * engine's I/O is $TRT_STUB_IO, JSON [[name, "in" | "out", shape], …].
 */
export function tensorrtStub(parser: keyof typeof TRT_PARSERS): string {
  return `import json, os
__version__ = "10.3.0"
LOG = os.environ["TRT_STUB_LOG"]
def _log(s):
    with open(LOG, "a") as f: f.write(s + "\\n")
class Logger:
    WARNING = 2
    def __init__(self, level): pass
class BuilderFlag: FP16 = "fp16"
class MemoryPoolType: WORKSPACE = "ws"
class ProfilingVerbosity: DETAILED = "detailed"
class TensorIOMode: INPUT = "in"; OUTPUT = "out"
class _Profile:
    def set_shape(self, name, lo, opt, hi): _log("set_shape %s %s %s %s" % (name, list(lo), list(opt), list(hi)))
class _Config:
    def set_flag(self, f): pass
    def set_memory_pool_limit(self, p, n): pass
    def add_optimization_profile(self, p): _log("add_optimization_profile")
class Builder:
    def __init__(self, logger): pass
    def create_network(self, flags): return object()
    def create_builder_config(self): return _Config()
    def create_optimization_profile(self): return _Profile()
    def build_serialized_network(self, network, config): return b"PLAN"
${TRT_PARSERS[parser]}class _Engine:
    IO = json.loads(os.environ["TRT_STUB_IO"])
    num_io_tensors = len(IO)
    def get_tensor_name(self, i): return self.IO[i][0]
    def get_tensor_mode(self, n): return [m for k, m, s in self.IO if k == n][0]
    def get_tensor_shape(self, n): return tuple([s for k, m, s in self.IO if k == n][0])
class Runtime:
    def __init__(self, logger): pass
    def deserialize_cuda_engine(self, plan): return _Engine()
`;
}
