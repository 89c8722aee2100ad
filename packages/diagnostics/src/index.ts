// The catalogue of user-facing diagnostics. Every error a user can see has a stable code here;
// internal invariants use `assert` instead and are bugs, not diagnostics.

import { oneLine } from './escape.js';

export { htmlText, mdCode, oneLine, pbtxtString, pyEscape, pyString, shellQuote } from './escape.js';
export { elementCount } from './element-count.js';
export { issuePath, MAX_JSON_BYTES, readJsonFile, readRegularFile, schemaError, type ReadJsonOptions, type SchemaIssue } from './json-file.js';

/** Stable diagnostic codes. Never renumber: scripts and CI steps match on them. */
export const Diagnostics = {
  // 1xxx: reading files and decoding ONNX
  FileNotFound: { code: 'SPLITC1001', category: 'io', message: 'cannot read file: {detail}' },
  FileEmpty: { code: 'SPLITC1002', category: 'io', message: 'file is empty' },
  ProtobufMalformed: { code: 'SPLITC1003', category: 'onnx', message: 'malformed protobuf: {detail}' },
  NotAModel: { code: 'SPLITC1004', category: 'onnx', message: 'not an ONNX model: {detail}' },
  ModelTooLarge: { code: 'SPLITC1005', category: 'onnx', message: 'model exceeds a limit: {detail}' },
  FileTooLarge: { code: 'SPLITC1006', category: 'io', message: 'file exceeds a size limit: {detail}' },
  ExternalDataPath: { code: 'SPLITC1010', category: 'onnx', message: 'external data path refused: {detail}' },
  ExternalDataRange: { code: 'SPLITC1011', category: 'onnx', message: 'external data out of range: {detail}' },
  ExternalDataMissing: { code: 'SPLITC1012', category: 'onnx', message: 'external data unavailable: {detail}' },
  BadDims: { code: 'SPLITC1020', category: 'onnx', message: 'invalid tensor dimensions: {detail}' },
  TensorDataShort: { code: 'SPLITC1021', category: 'onnx', message: 'tensor data does not match its shape: {detail}' },
  UnsupportedDType: { code: 'SPLITC1022', category: 'onnx', message: 'unsupported data type: {detail}' },
  // 2xxx: graph structure
  GraphCycle: { code: 'SPLITC2001', category: 'graph', message: 'graph has a cycle: {detail}' },
  UndefinedTensor: { code: 'SPLITC2002', category: 'graph', message: 'tensor is never produced: {detail}' },
  DuplicateTensor: { code: 'SPLITC2003', category: 'graph', message: 'tensor produced more than once: {detail}' },
  NoGraphInputs: { code: 'SPLITC2004', category: 'graph', message: 'model has no data inputs: {detail}' },
  UnsupportedControlFlow: { code: 'SPLITC2005', category: 'graph', message: 'unsupported graph construct: {detail}' },
  // 3xxx: op rules, shape inference, folding
  UnsupportedOps: { code: 'SPLITC3001', category: 'shape', message: 'no shape rule for {detail}' },
  ShapeError: { code: 'SPLITC3002', category: 'shape', message: '{detail}' },
  DynamicShape: { code: 'SPLITC3003', category: 'shape', message: 'shape is not static: {detail}' },
  BadAttribute: { code: 'SPLITC3004', category: 'shape', message: 'invalid attribute: {detail}' },
  // 4xxx: targets and planning
  BadTargetFile: { code: 'SPLITC4001', category: 'target', message: 'invalid target description: {detail}' },
  UnknownTarget: { code: 'SPLITC4002', category: 'target', message: 'unknown target: {detail}' },
  BadProfile: { code: 'SPLITC4003', category: 'target', message: 'invalid measured profile: {detail}' },
  NoValidSplit: { code: 'SPLITC4010', category: 'plan', message: 'no valid split: {detail}' },
  BadSplit: { code: 'SPLITC4011', category: 'plan', message: 'invalid split: {detail}' },
  // 5xxx: emitting artifacts
  OutputExists: { code: 'SPLITC5001', category: 'emit', message: 'output exists: {detail}' },
  OutputUnwritable: { code: 'SPLITC5002', category: 'emit', message: 'cannot write output: {detail}' },
  MissingWeights: { code: 'SPLITC5003', category: 'emit', message: 'model has no weights to write: {detail}' },
  UnsupportedEmit: { code: 'SPLITC5004', category: 'emit', message: 'cannot generate code: {detail}' },
  BadManifest: { code: 'SPLITC5005', category: 'emit', message: 'invalid manifest: {detail}' },
  // 6xxx: running the split (runtime)
  RuntimeMissing: { code: 'SPLITC6001', category: 'runtime', message: 'runtime dependency unavailable: {detail}' },
  BadFrames: { code: 'SPLITC6002', category: 'runtime', message: 'invalid input frames: {detail}' },
  RemoteFailed: { code: 'SPLITC6003', category: 'runtime', message: 'GPU server failed: {detail}' },
  RuntimeUnsupported: { code: 'SPLITC6004', category: 'runtime', message: 'cannot run this split: {detail}' },
  ServeFailed: { code: 'SPLITC6005', category: 'runtime', message: 'cannot serve: {detail}' },
  // 7xxx: the GNN split predictor
  GnnWeightsMissing: { code: 'SPLITC7001', category: 'gnn', message: 'GNN weights missing: {detail}' },
  GnnWeightsCorrupt: { code: 'SPLITC7002', category: 'gnn', message: 'GNN weights corrupt: {detail}' },
  GnnWeightsMismatch: { code: 'SPLITC7003', category: 'gnn', message: 'GNN weights do not fit this splitc: {detail}' },
  // 9xxx: command line
  Usage: { code: 'SPLITC9001', category: 'usage', message: '{detail}' },
} as const satisfies Record<string, DiagnosticMessage>;

export interface DiagnosticMessage {
  readonly code: `SPLITC${number}`;
  readonly category: 'io' | 'onnx' | 'graph' | 'shape' | 'target' | 'plan' | 'emit' | 'runtime' | 'gnn' | 'usage';
  readonly message: string;
}

export type DiagnosticName = keyof typeof Diagnostics;
export type DiagnosticCode = (typeof Diagnostics)[DiagnosticName]['code'];

/** Where a diagnostic points: any of file, pass, node and field may be known. */
export interface DiagnosticLocation {
  readonly file?: string;
  readonly pass?: string;
  readonly node?: string;
  readonly op?: string;
  readonly field?: string;
}

/**
 * The one error type users see. `code` is stable; `message` is a single readable line that
 * names the file, pass, node and field where known.
 */
export class SplitcError extends Error {
  readonly code: DiagnosticCode;
  readonly diagnostic: DiagnosticName;
  readonly detail: string;
  readonly location: DiagnosticLocation;

  constructor(name: DiagnosticName, detail: string, location: DiagnosticLocation = {}) {
    const d = Diagnostics[name];
    super(formatMessage(d.message.replace('{detail}', detail), location));
    this.name = 'SplitcError';
    this.code = d.code;
    this.diagnostic = name;
    this.detail = detail;
    this.location = location;
  }

  /** The same error with more location filled in (inner locations win). */
  at(location: DiagnosticLocation): SplitcError {
    const merged = { ...location, ...this.location };
    if (sameLocation(merged, this.location)) return this;
    return new SplitcError(this.diagnostic, this.detail, merged);
  }
}

function sameLocation(a: DiagnosticLocation, b: DiagnosticLocation): boolean {
  return a.file === b.file && a.pass === b.pass && a.node === b.node && a.op === b.op && a.field === b.field;
}

/** One line whatever the names hold: a name cannot add a line (or forge an `error SPLITC…` one). */
function formatMessage(text: string, loc: DiagnosticLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.pass !== undefined) parts.push(`in pass ${loc.pass}`);
  if (loc.node !== undefined) parts.push(`node ${loc.node}${loc.op !== undefined ? ` (${loc.op})` : ''}`);
  if (loc.field !== undefined) parts.push(`field ${loc.field}`);
  return oneLine(parts.length > 0 ? `${parts.join(': ')}: ${text}` : text);
}

export function isSplitcError(e: unknown): e is SplitcError {
  return e instanceof SplitcError;
}

/** Internal invariant. A failure is a bug in splitc, never the user's input. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`splitc internal error: ${message}`);
}

/** Render an error for a terminal: one line, code first. */
export function renderError(e: unknown): string {
  if (isSplitcError(e)) return `error ${e.code}: ${e.message}`;
  const msg = e instanceof Error ? e.message : String(e);
  return `error SPLITC0000: internal error: ${oneLine(msg.split('\n')[0] ?? '')} (please report this as a bug)`;
}

export type { ProgressEvent, ProgressSink } from './progress.js';
