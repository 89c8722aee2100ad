// The command-line surface as data: one option table per command, read both by the yargs parser
// and by its help, so that what `splitc <command> --help` shows is exactly what is accepted.

import type { Options, PositionalOptions } from 'yargs';
import { builtinCatalog, DEFAULT_LINK, DEFAULT_PRECISION, DEFAULT_TARGET } from '@splitc/targets';

export type OptionTable = Readonly<Record<string, Options>>;

export interface CommandSpec {
  /** yargs command string, e.g. `compile <model>`. */
  readonly command: string;
  /** One line for the global help. */
  readonly summary: string;
  /** A paragraph for the command's own help. */
  readonly description: string;
  readonly positionals: Readonly<Record<string, PositionalOptions>>;
  readonly options: OptionTable;
  readonly examples: readonly (readonly [string, string])[];
}

const MODEL: PositionalOptions = { type: 'string', describe: 'ONNX model file (.onnx)' };

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionTable = {
  quiet: { alias: 'q', type: 'boolean', describe: 'print no warnings and no progress on stderr', global: true },
};

const JSON_OPTION: Options = { type: 'boolean', describe: 'print one JSON object on stdout (no progress, nothing else on stdout)' };

const INPUT_SHAPE: Options = {
  type: 'string',
  array: true,
  requiresArg: true,
  nargs: 1,
  describe: 'static shape of a model input with symbolic dims, NAME=1x3x224x224 (repeat per input)',
};

function builtinNames(kind: 'dpu' | 'gpu' | 'link'): string {
  const c = builtinCatalog();
  const names = kind === 'link' ? [...c.links.keys()] : [...c.devices.values()].filter((d) => d.kind === kind).map((d) => d.name);
  return names.sort().join(', ');
}

/** Options of `plan` that `compile` shares: the target, the objective, measured profiles, shapes. */
export const TARGET_OPTIONS: OptionTable = {
  target: { type: 'string', default: DEFAULT_TARGET, requiresArg: true, describe: `DPU+GPU pair; built in: DPUs ${builtinNames('dpu')}; GPUs ${builtinNames('gpu')}` },
  link: { type: 'string', default: DEFAULT_LINK, requiresArg: true, describe: `link between the two devices; built in: ${builtinNames('link')}` },
  precision: { type: 'string', default: DEFAULT_PRECISION, choices: ['fp16', 'fp32'], requiresArg: true, describe: 'GPU precision' },
  objective: { type: 'string', default: 'stream', choices: ['stream', 'latency'], requiresArg: true, describe: 'stream: pipelined frames per second; latency: one frame end to end' },
  'target-file': { type: 'string', requiresArg: true, normalize: true, describe: 'JSON file of extra devices and links (same schema as the built-ins); its entries win' },
  'profile-gpu': { type: 'string', requiresArg: true, normalize: true, describe: 'trtexec --exportProfile JSON measured on the GPU (overrides estimates)' },
  'profile-dpu': { type: 'string', requiresArg: true, normalize: true, describe: 'DPU per-layer timing file (docs/planning.md) (overrides estimates)' },
  'input-shape': INPUT_SHAPE,
};

/** Which predictor chooses the split (plan and compile). */
export const PREDICTOR_OPTIONS: OptionTable = {
  predictor: { type: 'string', default: 'exact', choices: ['exact', 'gnn'], requiresArg: true, describe: 'exact: search every valid cut; gnn: the learned predictor (docs/gnn.md), shown beside the exact optimum with its regret' },
  'gnn-weights': { type: 'string', requiresArg: true, normalize: true, describe: 'a GNN weights directory (model.json + weights.bin) instead of the shipped one' },
};

export const INSPECT: CommandSpec = {
  command: 'inspect <model>',
  summary: 'import a model, infer every shape, print its layers with MACs and parameters',
  description: 'Import MODEL, fold constants, infer every shape, and print one row per layer with its output shape, MACs and parameters, then totals.',
  positionals: { model: MODEL },
  options: { json: JSON_OPTION, 'input-shape': INPUT_SHAPE },
  examples: [
    ['$0 inspect model.onnx', 'print the layer table'],
    ['$0 inspect model.onnx --json', 'print the report as one JSON object'],
    ['$0 inspect model.onnx --input-shape input=1x3x224x224', 'fix a dynamic batch dimension'],
  ],
};

export const PLAN: CommandSpec = {
  command: 'plan <model>',
  summary: 'estimate every valid split between the DPU and the GPU and choose the best',
  description: 'Estimate every valid split of MODEL between the DPU and the GPU, choose the best for the objective, and compare it with DPU-only and GPU-only.',
  positionals: { model: MODEL },
  options: {
    ...TARGET_OPTIONS,
    ...PREDICTOR_OPTIONS,
    json: JSON_OPTION,
    report: { type: 'string', requiresArg: true, normalize: true, describe: 'write a self-contained HTML report to this file' },
    output: { alias: 'o', type: 'string', requiresArg: true, normalize: true, describe: 'write the versioned plan (plan.json) to this file' },
  },
  examples: [
    ['$0 plan model.onnx', 'plan for the VCK190 + RTX 2080 over PCIe'],
    ['$0 plan model.onnx --link 1gbe --objective latency --json', 'one frame end to end over 1 GbE, as JSON'],
    ['$0 plan model.onnx --report plan.html -o plan.json', 'write the report and the plan'],
    ['$0 plan model.onnx --predictor gnn --json', 'let the GNN choose the split; the JSON says which predictor chose best'],
  ],
};

export const COMPILE: CommandSpec = {
  command: 'compile <model>',
  summary: 'plan the split and write both halves, their build scripts and a manifest',
  description: 'Plan the split (or take --split N) and write OUT/: the DPU and GPU partitions, the Vitis AI build (model.py, quantize.py, compile.sh), the TensorRT build (build_engine.sh/.py), the seam model, report.html and manifest.json. OUT appears only when everything succeeded.',
  positionals: { model: MODEL },
  options: {
    output: { alias: 'o', type: 'string', demandOption: true, requiresArg: true, describe: 'output directory (created; an existing splitc output is replaced only with --force)' },
    ...TARGET_OPTIONS,
    ...PREDICTOR_OPTIONS,
    split: { type: 'number', requiresArg: true, describe: 'force split index k (the first k layers on the DPU) instead of the planner\'s choice' },
    force: { type: 'boolean', describe: 'replace OUT if it exists and is a splitc output (holds its manifest.json) or empty' },
    'external-data': { type: 'boolean', describe: 'store partition weights as ONNX external data (always done above 2 GiB)' },
    json: { type: 'boolean', describe: 'print the manifest as one JSON object' },
  },
  examples: [
    ['$0 compile model.onnx -o out/model', 'compile for the VCK190 + RTX 2080 with the planner\'s split'],
    ['$0 compile model.onnx -o out/model --split 9 --force', 'force the first 9 layers onto the DPU, replacing out/model'],
  ],
};

const OUT_DIR: PositionalOptions = { type: 'string', describe: 'a directory written by splitc compile' };

export const SERVE: CommandSpec = {
  command: 'serve <out>',
  summary: 'serve the GPU half of a compiled split over KServe v2 (reference backend)',
  description: 'Serve the GPU half of the split compiled into OUT over the KServe v2 / Open Inference Protocol (HTTP, binary tensor data) on the reference backend (onnxruntime), under the model name of the source file\'s stem: POST /v2/models/<stem>/infer. Runs until SIGINT or SIGTERM.',
  positionals: { out: OUT_DIR },
  options: {
    port: { type: 'number', default: 8000, requiresArg: true, describe: 'TCP port (0 picks a free one)' },
    host: { type: 'string', default: '127.0.0.1', requiresArg: true, describe: 'address to listen on' },
    pace: { type: 'string', choices: ['plan'], requiresArg: true, describe: 'plan: each request takes exactly the plan\'s GPU time for its frames' },
    'pace-scale': { type: 'number', default: 1, requiresArg: true, describe: 'with --pace plan: stretch the GPU time by this factor' },
    contexts: { type: 'number', requiresArg: true, describe: 'requests computed at once (GPU execution contexts; default: the manifest\'s seam.runtime.gpuContexts, from the target profile)' },
    threads: { type: 'number', default: 1, requiresArg: true, describe: 'onnxruntime intra-op threads' },
    'max-waiting': { type: 'number', default: 64, requiresArg: true, describe: 'requests waiting for a context before new ones get 503 (0: refuse whenever all are busy)' },
    json: { type: 'boolean', describe: 'print the serving address as one JSON object' },
  },
  examples: [
    ['$0 serve out/resnet18 --port 8000', 'serve /v2/models/resnet18/infer on 127.0.0.1:8000'],
  ],
};

export const RUN: CommandSpec = {
  command: 'run <out>',
  summary: 'run a compiled split end to end and check it against the fp32 model',
  description: 'Run the split compiled into OUT: frames → DPU half (reference, int8 NHWC at calibrated fix_points) → a KServe v2 GPU server (by default one started on loopback) → outputs in frame order, each compared with the full fp32 model on the same frame. Prints fps, latency p50/p99, per-stage busy time and the check.',
  positionals: { out: OUT_DIR },
  options: {
    'gpu-url': { type: 'string', requiresArg: true, describe: 'a KServe v2 server of the GPU half (splitc serve, gpu/worker.py or Triton); default: start one on loopback' },
    frames: { type: 'number', requiresArg: true, describe: 'frames to run (default 300, or every file of --input)' },
    input: { type: 'string', requiresArg: true, normalize: true, describe: 'a directory of .npy frames (float32, the model input\'s shape), in name order' },
    pace: { type: 'string', choices: ['plan'], requiresArg: true, describe: 'plan: every stage takes exactly the plan\'s estimated time; reports efficiency = fps ÷ predicted rate' },
    'pace-scale': { type: 'number', default: 1, requiresArg: true, describe: 'with --pace plan: stretch every stage time by this factor (for reference executors slower than the plan\'s hardware)' },
    'calibration-frames': { type: 'number', default: 32, requiresArg: true, describe: 'frames the int8 fix_points are calibrated on' },
    timeout: { type: 'number', requiresArg: true, describe: 'seconds to wait for one GPU request before giving up (default 30, or more for a paced run)' },
    'runner-threads': { type: 'number', requiresArg: true, describe: 'DPU calls in flight (default: the manifest\'s seam.runtime.dpuRunnerThreads, from the target profile)' },
    window: { type: 'number', default: 4, requiresArg: true, describe: 'requests in flight on the link' },
    seed: { type: 'number', default: 1, requiresArg: true, describe: 'seed of the generated frames' },
    check: { type: 'boolean', default: true, describe: 'compare every output with the fp32 model (--no-check to skip)' },
    model: { type: 'string', requiresArg: true, normalize: true, describe: 'the fp32 model to check against (default: the manifest\'s source model, verified by sha256)' },
    threads: { type: 'number', default: 1, requiresArg: true, describe: 'onnxruntime intra-op threads per session' },
    json: { type: 'boolean', describe: 'print the figures as one JSON object' },
  },
  examples: [
    ['$0 run out/resnet18 --frames 300', 'run 300 seeded frames against a GPU server started on loopback'],
    ['$0 run out/resnet18 --gpu-url http://gpu-host:8000 --input frames/', 'run recorded frames against a remote GPU server'],
    ['$0 run out/resnet18 --pace plan --json', 'pace every stage by the plan and report the efficiency'],
  ],
};

const SEED: Options = { type: 'number', default: 1, requiresArg: true, describe: 'seed: the same seed gives the same models, targets and (train) byte-identical weights' };
const BACKEND: Options = { type: 'string', default: 'wasm', choices: ['wasm', 'cpu', 'auto'], requiresArg: true, describe: 'TensorFlow.js backend (auto: tfjs-node when installed, else wasm)' };

/**
 * The GNN's training distributions, as @splitc/gnn's TRAINING_DISTRIBUTIONS (not imported: the CLI
 * loads @splitc/gnn only when a gnn command runs; gnn-cli.test checks every --help against it).
 */
const GNN_TRAINING_DISTRIBUTIONS = ['train', 'train-engines', 'train-bank'];

export const GNN_DATASET: CommandSpec = {
  command: 'dataset',
  summary: 'generate zoo models, label them with the exact planner over sampled targets, summarise',
  description: 'Generate seeded CNNs of every zoo family, sample targets around the built-in devices, label every valid cut with the exact planner, and print a summary (families, where the optimum lies). -o writes one JSON line per sample.',
  positionals: {},
  options: {
    seed: SEED,
    models: { type: 'number', default: 100, requiresArg: true, describe: 'zoo models to generate' },
    'targets-per-model': { type: 'number', default: 4, requiresArg: true, describe: 'sampled targets per model' },
    distribution: { type: 'string', default: 'train', choices: [...GNN_TRAINING_DISTRIBUTIONS, 'shifted'], requiresArg: true, describe: 'target distribution: train (vck190\'s DPU as it is), train-bank (the shipped weights\' training: its on-chip bank varied), train-engines (its engines too), or shifted (links and profiles outside training)' },
    zoo: { type: 'number', choices: [1, 2], requiresArg: true, describe: 'zoo generator version (default: 2, the shipped weights\'; 2 adds to 1 the families\' published depths and graph forms: ResNet-152-deep stages, DenseNet\'s concatenate-all form, ShuffleNet V2 and Inception-v3 modules; see docs/gnn.md)' },
    output: { alias: 'o', type: 'string', requiresArg: true, normalize: true, describe: 'write the samples as JSON lines to this file' },
    json: JSON_OPTION,
  },
  examples: [['$0 gnn dataset --models 20 --json', 'label 20 models × 4 targets and print the summary as JSON']],
};

export const GNN_TRAIN: CommandSpec = {
  command: 'train',
  summary: 'train the GNN from scratch (deterministic in its seeds) and write its weights',
  description: 'Train an ensemble of message-passing networks, one member per seed (each on its own seed\'s generated and labelled dataset), the members in parallel processes, and write model.json + weights.bin to -o DIR (the format the package ships and --gnn-weights reads). The same seeds give byte-identical weights, however many processes ran.',
  positionals: {},
  options: {
    output: { alias: 'o', type: 'string', demandOption: true, requiresArg: true, normalize: true, describe: 'directory for model.json and weights.bin' },
    seeds: { type: 'string', requiresArg: true, describe: 'comma-separated member seeds, one network per seed (of its models, targets and initial weights): the same seeds give byte-identical weights (default: the shipped weights\' 2,4)' },
    seed: { type: 'number', requiresArg: true, conflicts: 'seeds', describe: 'train one network with this seed (the same as --seeds N)' },
    parallel: { type: 'number', requiresArg: true, describe: 'members trained at once, each in its own process (default: as many as there are members and cores)' },
    models: { type: 'number', requiresArg: true, describe: 'zoo models in the dataset (default: the shipped weights\' 600)' },
    'targets-per-model': { type: 'number', requiresArg: true, describe: 'sampled targets per model (default: the shipped weights\' 3)' },
    epochs: { type: 'number', requiresArg: true, describe: 'training epochs (default: the shipped weights\' 80)' },
    distribution: { type: 'string', default: 'train-bank', choices: GNN_TRAINING_DISTRIBUTIONS, requiresArg: true, describe: 'target distribution (train-bank, the shipped weights\': the DPU\'s on-chip bank varied; train-engines: its engines too; train: neither; recorded in model.json when not train)' },
    zoo: { type: 'number', choices: [1, 2], requiresArg: true, describe: 'zoo generator version to train on (default: 2, the shipped weights\'; 1 lacks the families\' published depths and graph forms; recorded in model.json when not 1)' },
    'graph-balance': { type: 'boolean', describe: 'divide each graph\'s label weights by its node count, so every graph weighs the same (default: on, as the shipped weights; --no-graph-balance: a graph weighs by its nodes; recorded in model.json when on)' },
    backend: BACKEND,
    json: JSON_OPTION,
  },
  examples: [['$0 gnn train -o weights/', 'train the shipped configuration from scratch'], ['$0 gnn train -o small/ --seed 7 --models 100 --epochs 10', 'one small network, for experiments']],
};

export const GNN_EVAL: CommandSpec = {
  command: 'eval',
  summary: 'evaluate GNN weights on architectures it never saw, against the exact planner and two baselines',
  description: 'Evaluate the GNN (the shipped weights, or --weights DIR) on held-out zoo models and on the torchvision exports in --fixtures, for targets inside and outside the training distribution, against the exact planner and two baselines (smallest crossing tensor; MAC fraction matching the throughput ratio). Prints tables per family and per model.',
  positionals: {},
  options: {
    weights: { type: 'string', requiresArg: true, normalize: true, describe: 'weights directory (default: the shipped weights)' },
    fixtures: { type: 'string', requiresArg: true, normalize: true, describe: 'directory of torchvision ONNX exports (default: this repository\'s fixtures/models)' },
    'targets-per-model': { type: 'number', default: 8, requiresArg: true, describe: 'sampled targets per torchvision model' },
    'leave-one-family-out': { type: 'boolean', describe: 'also retrain without each zoo family in turn and evaluate on it (slow: each fold trains one network per seed of the shipped ensemble)' },
    seed: { type: 'number', requiresArg: true, describe: 'evaluation seed (default: a fixed stream disjoint from training)' },
    zoo: { type: 'number', choices: [1, 2], requiresArg: true, describe: 'zoo generator version of the held-out zoo models and the leave-one-family-out folds (default: the one the weights were trained on)' },
    distribution: { type: 'string', choices: GNN_TRAINING_DISTRIBUTIONS, requiresArg: true, describe: 'targets of the first torchvision and held-out sets (default: the distribution the weights were trained on, model.json\'s); the second sets are always the shifted ones' },
    backend: { ...BACKEND, describe: 'TensorFlow.js backend for --leave-one-family-out\'s retraining (predictions run in plain JavaScript)' },
    json: JSON_OPTION,
  },
  examples: [['$0 gnn eval', 'the evaluation tables of the shipped weights (docs/gnn.md)']],
};

export const GNN_COMMANDS: readonly CommandSpec[] = [GNN_DATASET, GNN_TRAIN, GNN_EVAL];

export const COMMANDS: readonly CommandSpec[] = [INSPECT, PLAN, COMPILE, SERVE, RUN];
