// A stream of zoo models: families in turn, each model's seed derived from the stream's seed.

import { FAMILIES, generateModel, type Family, type GeneratedModel, type GenerateOptions } from './families.js';
import { deriveSeed } from './rng.js';

export interface ZooOptions extends GenerateOptions {
  readonly seed: number;
  readonly count: number;
  /** Families to draw from, in turn (default: all). */
  readonly families?: readonly Family[];
}

export type ZooEntry = GeneratedModel;

/** `count` models, cycling through the families; deterministic in `seed`. */
export function* generateZoo(options: ZooOptions): Generator<ZooEntry> {
  const families = options.families ?? FAMILIES;
  for (let i = 0; i < options.count; i++) {
    const family = families[i % families.length]!;
    yield generateModel(family, deriveSeed(options.seed, i), options);
  }
}
