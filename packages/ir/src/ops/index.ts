// The op-rule registry: one table from op type (default ONNX domain) to its rule.

import { convRules } from './conv.js';
import { elementwiseRules } from './elementwise.js';
import { matmulRules } from './matmul.js';
import { normalizationRules } from './normalization.js';
import { poolRules } from './pool.js';
import type { OpRule } from './rule.js';
import { tensorShapeRules } from './tensor-shape.js';

export const OP_RULES: ReadonlyMap<string, OpRule> = new Map(Object.entries({
  ...convRules, ...poolRules, ...elementwiseRules, ...matmulRules, ...normalizationRules, ...tensorShapeRules,
}));

export function ruleFor(domain: string, op: string): OpRule | undefined {
  return domain === '' ? OP_RULES.get(op) : undefined;
}

export { OpContext, type OpRule, type TensorType } from './rule.js';
