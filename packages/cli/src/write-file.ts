// Atomic single-file writes: write beside the target, then rename, so a reader never sees half a file.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SplitcError } from '@splitc/diagnostics';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new SplitcError('OutputUnwritable', (e as Error).message.split('\n')[0] ?? String(e), { file });
  }
}
