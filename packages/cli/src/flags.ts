// API option names → the CLI's flags. Libraries name the option they were given (`target`,
// `inputShapes`, `gpuUrl`); the CLI shows the flag the user typed (`--target`, `--input-shape`,
// `--gpu-url`). The table is read off the option tables in options.ts, so it cannot drift.

import { SplitcError, type DiagnosticName } from '@splitc/diagnostics';
import { COMMANDS, GLOBAL_OPTIONS, GNN_COMMANDS, type OptionTable } from './options.js';

/** Flags whose API option is not the flag in camelCase, or has more than one name. */
export const API_NAMES_OF_FLAG: Readonly<Record<string, readonly string[]>> = {
  'input-shape': ['inputShapes'],
  timeout: ['timeoutMs'],
  weights: ['weightsDir'],
  fixtures: ['fixturesDir'],
  // compile's `output`; gnn dataset's and train's `out`.
  output: ['output', 'out'],
};

const camelCase = (flag: string): string => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** API option names of a flag. */
export function apiNamesOf(flag: string): readonly string[] {
  return API_NAMES_OF_FLAG[flag] ?? [camelCase(flag)];
}

/** How help and messages name an option: its one-letter alias when it has one (`-o`), else `--name`. */
export function shownFlag(flag: string, table: OptionTable): string {
  const alias = table[flag]?.alias;
  return typeof alias === 'string' && alias.length === 1 ? `-${alias}` : `--${flag}`;
}

function buildTable(tables: readonly OptionTable[]): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const table of tables) {
    for (const flag of Object.keys(table)) {
      const shown = shownFlag(flag, table);
      for (const api of apiNamesOf(flag)) {
        const seen = out.get(api);
        if (seen !== undefined && seen !== shown) throw new Error(`splitc internal error: API option ${api} is both ${seen} and ${shown}`);
        out.set(api, shown);
      }
    }
  }
  return out;
}

/** Every API option field a library may name → its CLI flag (`--name`, or `-o` for `output`). */
export const CLI_FLAGS: ReadonlyMap<string, string> = buildTable([GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options), ...GNN_COMMANDS.map((c) => c.options)]);

/** The flag for an API option field; any other field (a place in a file) unchanged. */
export function cliFlag(field: string): string {
  return CLI_FLAGS.get(field) ?? field;
}

/**
 * Diagnostics that name an option even when they also name a file (the model `inputShapes` did
 * not fit, the output that exists without `force`). Any other error with a file points into that
 * file, where `split` or `model` is a key of the file, not an option.
 */
const OPTION_DIAGNOSTICS: ReadonlySet<DiagnosticName> = new Set<DiagnosticName>(['Usage', 'DynamicShape', 'OutputExists']);

/** The error as the CLI prints it: an API option field named by its flag; anything else as it is. */
export function withCliFlag(e: unknown): unknown {
  if (!(e instanceof SplitcError)) return e;
  const field = e.location.field;
  if (field === undefined || !CLI_FLAGS.has(field)) return e;
  if (e.location.file !== undefined && !OPTION_DIAGNOSTICS.has(e.diagnostic)) return e;
  return new SplitcError(e.diagnostic, e.detail, { ...e.location, field: cliFlag(field) });
}
