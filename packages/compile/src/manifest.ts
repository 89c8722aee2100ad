// The Manifest: the versioned contract `splitc compile` writes to OUT/manifest.json and everything
// after it (the runtime, the emitted workers, CI steps) reads. Validated by zod on read.

import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, schemaError } from '@splitc/diagnostics';
import { Candidate, Objective, Plan } from '@splitc/planner/plan-schema';
import { CrossingEntry, SeamSection } from '@splitc/ir/seam';

/**
 * 2: the seam gained the DPU batch, the DPU layout and the wire contract (KServe v2 endpoint).
 * 3: the seam gained `runtime` (DPU runner threads, GPU contexts) from the target profile.
 */
export const MANIFEST_SCHEMA_VERSION = 3 as const;

export const ArtifactEntry = z.object({
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
}).strict();
export type ArtifactEntry = z.infer<typeof ArtifactEntry>;

const PartitionEntry = z.object({ file: z.string(), inputs: z.array(z.string()), outputs: z.array(z.string()) }).strict().nullable();

export const Manifest = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  splitc: z.string(),
  model: Plan.shape.model,
  target: Plan.shape.target,
  objective: Objective,
  split: z.object({
    kind: z.enum(['prefix', 'min-cut']),
    index: z.number().int().nonnegative().nullable(),
    /** True when --split chose it rather than the planner. */
    forced: z.boolean(),
    estimate: Candidate,
    dpuLayers: z.array(z.string()),
    gpuLayers: z.array(z.string()),
  }).strict(),
  partitions: z.object({ dpu: PartitionEntry, gpu: PartitionEntry }).strict(),
  crossing: z.array(CrossingEntry),
  seam: SeamSection,
  tools: z.object({
    vitisAi: z.string(),
    pytorch: z.string(),
    vaiTarget: z.string(),
    archJson: z.string(),
    quantizedXmodel: z.string(),
    compiledXmodel: z.string(),
    tensorrt: z.string(),
    precision: z.string(),
  }).strict(),
  plan: Plan,
  artifacts: z.array(ArtifactEntry),
}).strict();
export type Manifest = z.infer<typeof Manifest>;

/** Validate a manifest (e.g. parsed from manifest.json); errors name the field. */
export function parseManifest(json: unknown, file: string): Manifest {
  const r = Manifest.safeParse(json);
  if (!r.success) throw schemaError('BadManifest', r.error.issues, file, `not a splitc manifest (schema ${MANIFEST_SCHEMA_VERSION})`);
  return r.data;
}

/** Read OUT/manifest.json (given OUT or the file itself). */
export function readManifest(outDirOrFile: string): Manifest {
  let file = outDirOrFile;
  try {
    if (statSync(outDirOrFile).isDirectory()) file = path.join(outDirOrFile, 'manifest.json');
  } catch {
    // Reported below, naming the path the user gave.
  }
  return parseManifest(readJsonFile(file, { invalid: 'BadManifest', maxBytes: 1 << 30 }), file);
}

/** Serialise a manifest deterministically (validated first). */
export function serializeManifest(m: Manifest): string {
  return `${JSON.stringify(Manifest.parse(m), null, 2)}\n`;
}
