// @splitc/test-support: helpers shared by the packages' tests (never a dependency of the product):
// a small builder of ONNX models and the gate for cross-checks against Debian's Python.
export * from './model-builder.js';
export * from './python.js';
