// Built-in and user target files, and resolving a target request (`target: 'dpu+gpu'`, `link`, `precision`).

import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { readJsonFile, schemaError, SplitcError } from '@splitc/diagnostics';
import { TargetFile, type Device, type DpuDevice, type GpuDevice, type Link, type Precision } from './schema.js';

const PROFILE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../profiles');
const BUILTIN_FILES = ['vck190.json', 'zcu102.json', 'rtx2080.json', 'h200.json', 'links.json'];

export interface Catalog {
  readonly devices: ReadonlyMap<string, Device>;
  readonly links: ReadonlyMap<string, Link>;
}

export interface ResolvedTarget {
  readonly dpu: DpuDevice;
  readonly gpu: GpuDevice;
  readonly link: Link;
  readonly precision: Precision;
}

export interface TargetRequest {
  /** `dpu+gpu`, e.g. `vck190+rtx2080`. */
  readonly target?: string;
  readonly link?: string;
  readonly precision?: string;
  /** A user file of devices and links (same schema as the built-ins); its entries win. */
  readonly targetFile?: string;
}

export const DEFAULT_TARGET = 'vck190+rtx2080';
export const DEFAULT_LINK = 'pcie';
export const DEFAULT_PRECISION: Precision = 'fp16';

/** Validate a parsed target file; errors name the file and the offending field. */
export function parseTargetFile(json: unknown, file: string): TargetFile {
  const r = TargetFile.safeParse(json);
  if (!r.success) throw schemaError('BadTargetFile', r.error.issues, file);
  for (const [key, d] of Object.entries(r.data.devices ?? {})) {
    if (d.name !== key) throw new SplitcError('BadTargetFile', `device key "${key}" differs from its name "${d.name}"`, { file, field: `devices.${key}.name` });
  }
  for (const [key, l] of Object.entries(r.data.links ?? {})) {
    if (l.name !== key) throw new SplitcError('BadTargetFile', `link key "${key}" differs from its name "${l.name}"`, { file, field: `links.${key}.name` });
  }
  return r.data;
}

export function readTargetFile(file: string): TargetFile {
  return parseTargetFile(readJsonFile(file, { invalid: 'BadTargetFile' }), file);
}

let builtins: Catalog | undefined;

export function builtinCatalog(): Catalog {
  if (builtins === undefined) {
    builtins = merge({ devices: new Map(), links: new Map() }, BUILTIN_FILES.map((f) => readTargetFile(path.join(PROFILE_DIR, f))));
  }
  return builtins;
}

function merge(base: Catalog, files: readonly TargetFile[]): Catalog {
  const devices = new Map(base.devices);
  const links = new Map(base.links);
  for (const f of files) {
    for (const [k, d] of Object.entries(f.devices ?? {})) devices.set(k, d);
    for (const [k, l] of Object.entries(f.links ?? {})) links.set(k, l);
  }
  return { devices, links };
}

export function resolveTarget(req: TargetRequest = {}): ResolvedTarget {
  const catalog = req.targetFile !== undefined ? merge(builtinCatalog(), [readTargetFile(req.targetFile)]) : builtinCatalog();
  const spec = req.target ?? DEFAULT_TARGET;
  const parts = spec.split('+');
  if (parts.length !== 2 || parts.some((p) => p === '')) {
    throw new SplitcError('UnknownTarget', `${JSON.stringify(spec)} must name a DPU and a GPU as DPU+GPU, e.g. ${DEFAULT_TARGET}`, { field: 'target' });
  }
  const [dpuName, gpuName] = parts as [string, string];
  const names = (kind: string) => [...catalog.devices.values()].filter((d) => d.kind === kind).map((d) => d.name).sort().join(', ');
  const dpu = catalog.devices.get(dpuName);
  if (dpu === undefined || dpu.kind !== 'dpu') throw new SplitcError('UnknownTarget', `${JSON.stringify(dpuName)} is not a known DPU (known: ${names('dpu')})`, { field: 'target' });
  const gpu = catalog.devices.get(gpuName);
  if (gpu === undefined || gpu.kind !== 'gpu') throw new SplitcError('UnknownTarget', `${JSON.stringify(gpuName)} is not a known GPU (known: ${names('gpu')})`, { field: 'target' });
  const linkName = req.link ?? DEFAULT_LINK;
  const link = catalog.links.get(linkName);
  if (link === undefined) throw new SplitcError('UnknownTarget', `${JSON.stringify(linkName)} is not a known link (known: ${[...catalog.links.keys()].sort().join(', ')})`, { field: 'link' });
  const precision = req.precision ?? DEFAULT_PRECISION;
  if (precision !== 'fp16' && precision !== 'fp32') throw new SplitcError('Usage', `precision ${JSON.stringify(precision)} must be fp16 or fp32`, { field: 'precision' });
  return { dpu, gpu, link, precision };
}
