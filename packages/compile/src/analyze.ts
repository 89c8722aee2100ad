// Loading a model for the jobs: read it once, analyse it (static shapes, folded constants, costs).

import { analyzeModel, type Graph } from '@splitc/ir';
import { loadModel, type LoadOptions } from '@splitc/onnx';

export interface InspectOptions {
  /** Static shapes for data inputs with symbolic dims, e.g. `{ input: [1, 3, 224, 224] }`. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/**
 * Load and analyse an ONNX model (static shapes, folded constants, per-layer costs). The file is
 * read once; it is hashed only when `load.hasher` is given or `g.source.sha256()` is called.
 */
export function analyzeFile(path: string, options: InspectOptions = {}, load: LoadOptions = {}): Graph {
  return analyzeModel(loadModel(path, load), options.inputShapes !== undefined ? { inputShapes: ownShapes(options.inputShapes) } : {});
}

/**
 * The caller's shapes as a map without a prototype: a model input named `constructor` or
 * `__proto__` is looked up as a name, never found on Object.prototype (or lost as one).
 */
function ownShapes(shapes: Readonly<Record<string, readonly number[]>>): Readonly<Record<string, readonly number[]>> {
  const out = Object.create(null) as Record<string, readonly number[]>;
  for (const [k, v] of Object.entries(shapes)) out[k] = v;
  return out;
}
