// Types of scripts/fuzz-mutate.mjs for the type-checked tests.
export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}
export function rng(seed: number): Rng;
export const BYTE_MUTATIONS: readonly string[];
export const STRUCT_MUTATIONS: readonly string[];
export function mutate(base: Uint8Array, seed: number): { kind: string; bytes: Uint8Array };
