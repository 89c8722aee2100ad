// Training an ensemble: one member per seed, each trained exactly as `trainGnn` trains one model
// (its own seed's zoo, targets, initial weights and shuffles), then written as one weights file
// (format 2: the members in seed order). Members train in parallel child processes, one per core
// (TensorFlow.js's wasm backend runs on one thread), so two members take the wall time of one on
// two cores. Each member is deterministic in its seed and the file is assembled in seed order, so
// the same seeds give a byte-identical file however many processes ran (tested).

import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, TRAIN_DEFAULTS } from './config.js';
import type { TrainOptions, TrainProgress } from './train.js';
import { saveWeights, trainingRecord, type ParamArrays } from './weights.js';
import type { ModelConfig } from './config.js';

/** What a member's training needs: plain data, sent to a child process. */
export type MemberOptions = Omit<TrainOptions, 'seed' | 'out' | 'dataset' | 'onProgress'>;

export interface EnsembleOptions extends MemberOptions {
  /** One member per seed, in this order (default TRAIN_DEFAULTS.seeds). */
  readonly seeds?: readonly number[];
  /** Members trained at once, each in its own process (default: the seeds or the cores, whichever is fewer); 1 trains them one after another in this process. */
  readonly parallel?: number;
  /** Directory to write model.json + weights.bin into; nothing is written when absent. */
  readonly out?: string;
  readonly onProgress?: (p: TrainProgress & { readonly member: number; readonly members: number }) => void;
}

export interface MemberResult {
  readonly seed: number;
  readonly params: ParamArrays;
  readonly backend: string;
  readonly samples: number;
  readonly losses: readonly number[];
  readonly datasetSeconds: number;
  readonly trainSeconds: number;
}

export interface EnsembleResult {
  readonly members: readonly MemberResult[];
  readonly config: ModelConfig;
  /** Wall-clock seconds for the whole ensemble. */
  readonly seconds: number;
}

/** Messages from a member's process (train-member.ts). */
export type MemberMessage =
  | { readonly type: 'progress'; readonly progress: TrainProgress }
  | { readonly type: 'done'; readonly result: Omit<MemberResult, 'params'> & { readonly params: readonly (readonly [string, Float32Array])[] } }
  | { readonly type: 'error'; readonly message: string };

/** The child process's entry (dist/train-member.js, beside this module). */
const MEMBER_ENTRY = fileURLToPath(new URL('./train-member.js', import.meta.url));

async function trainHere(seed: number, options: MemberOptions, onProgress: (p: TrainProgress) => void): Promise<MemberResult> {
  const { trainGnn } = await import('./train.js');
  const r = await trainGnn({ ...options, seed, onProgress });
  const params = new Map([...r.params].map(([k, v]) => [k, v.dataSync() as Float32Array]));
  for (const v of r.params.values()) v.dispose();
  return { seed, params, backend: r.backend, samples: r.samples, losses: r.losses, datasetSeconds: r.datasetSeconds, trainSeconds: r.trainSeconds };
}

function trainInChild(seed: number, options: MemberOptions, onProgress: (p: TrainProgress) => void, children: Set<ReturnType<typeof fork>>): Promise<MemberResult> {
  return new Promise((resolve, reject) => {
    // Its stdout is ignored (a command's --json output must stay clean); its stderr is this process's.
    const child = fork(MEMBER_ENTRY, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    children.add(child);
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      children.delete(child);
      f();
    };
    child.on('message', (m: MemberMessage) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'error') finish(() => reject(new Error(`member with seed ${seed}: ${m.message}`)));
      else finish(() => resolve({ ...m.result, params: new Map(m.result.params) }));
    });
    child.on('error', (e) => finish(() => reject(e)));
    // 'close' (not 'exit') comes after the last message has been delivered.
    child.on('close', (code, signal) => finish(() => reject(new Error(`member with seed ${seed}: its process ended (${signal ?? `exit code ${String(code)}`}) before it finished`))));
    child.send({ seed, options });
  });
}

/** Train one member per seed (in parallel processes unless `parallel` is 1) and optionally write them as one weights file. */
export async function trainEnsemble(options: EnsembleOptions = {}): Promise<EnsembleResult> {
  const seeds = [...(options.seeds ?? TRAIN_DEFAULTS.seeds)];
  if (seeds.length === 0 || seeds.length > 64) throw new RangeError(`an ensemble has 1 to 64 members, got ${seeds.length}`);
  if (!seeds.every((s) => Number.isSafeInteger(s)) || new Set(seeds).size !== seeds.length) throw new RangeError(`member seeds must be distinct integers, got ${seeds.join(', ')}`);
  const parallel = Math.max(1, Math.min(options.parallel ?? availableParallelism(), seeds.length));
  const { seeds: _seeds, parallel: _parallel, out, onProgress, ...member } = options;
  const t0 = performance.now();
  const results: MemberResult[] = new Array(seeds.length);
  const report = (i: number) => (p: TrainProgress) => onProgress?.({ ...p, member: i, members: seeds.length });
  if (parallel === 1) {
    for (const [i, seed] of seeds.entries()) results[i] = await trainHere(seed, member, report(i));
  } else {
    const children = new Set<ReturnType<typeof fork>>();
    let next = 0;
    let failed = false;
    const lane = async (): Promise<void> => {
      while (!failed && next < seeds.length) {
        const i = next++;
        try {
          results[i] = await trainInChild(seeds[i]!, member, report(i), children);
        } catch (e) {
          // The first failure stops the others at once; no lane starts another member after it.
          failed = true;
          for (const c of children) c.kill();
          throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: parallel }, lane));
  }
  const config = options.config ?? DEFAULT_CONFIG;
  if (out !== undefined) {
    const first = results[0]!;
    saveWeights(out, config, trainingRecord(options, seeds, first.losses.length, first.samples, first.backend), results.map((r) => r.params));
  }
  return { members: results, config, seconds: (performance.now() - t0) / 1e3 };
}
