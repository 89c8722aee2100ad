// Types of scripts/fuzz-run.mjs for the type-checked tests.
export function runMutant(bytes: Uint8Array, dir: string): { outcome: string; message?: string };
