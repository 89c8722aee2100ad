// @splitc/test-support: helpers shared by the packages' tests (never a dependency of the product):
// a small builder of ONNX models, the gate for cross-checks against Debian's Python, and the
// stitched run of a split's two partitions in onnxruntime.
export * from './model-builder.js';
export * from './python.js';
export * from './stitched.js';
export * from './sources.js';
