// @splitc/zoo: a seeded generator of CNN families written as real ONNX, for the GNN's datasets and tests.
export { FAMILIES, FAMILY_DESCRIPTIONS, generateModel, ZOO_VERSIONS, type Family, type GeneratedModel, type GenerateOptions, type ZooVersion } from './families.js';
export { generateZoo, type ZooOptions, type ZooEntry } from './zoo.js';
export { Rng, deriveSeed } from './rng.js';
