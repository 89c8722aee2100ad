// Docs that run: every `npx splitc …` command in README.md and docs/*.md is executed here and
// must succeed, so the documentation cannot rot.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, splitc } from './run-cli.js';

function commands(): { doc: string; line: string }[] {
  const docs = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: { doc: string; line: string }[] = [];
  for (const doc of docs) {
    for (const raw of readFileSync(path.join(ROOT, doc), 'utf8').split('\n')) {
      const m = /^\s*(?:\$ )?(?:npm ci && (?:npm run build && )?)?npx splitc (.+)$/.exec(raw);
      if (m !== null) out.push({ doc, line: m[1]!.trim() });
    }
  }
  return out;
}

describe('documented commands run', () => {
  const list = commands();
  it('the README documents at least the set-up and inspect commands', () => {
    expect(list.filter((c) => c.doc === 'README.md').length).toBeGreaterThanOrEqual(3);
  });
  for (const { doc, line } of list) {
    it(`${doc}: splitc ${line}`, () => {
      const args = line.split(/\s+/);
      const r = splitc(args);
      // Warnings (e.g. a forced --split that is not the best) are allowed; errors are not.
      expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '))).toEqual([]);
      expect(r.status).toBe(0);
    });
  }
});
