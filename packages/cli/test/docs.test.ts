// Docs that run: every `npx splitc …` command in README.md and docs/*.md, and every ```js block in
// docs/*.md (API examples, which assert their own results), is executed here and must succeed, so
// the documentation cannot rot.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Every ```js block of docs/*.md, as an ES module importing the `splitc` workspace package. */
function jsBlocks(): { doc: string; n: number; code: string }[] {
  const out: { doc: string; n: number; code: string }[] = [];
  for (const f of readdirSync(path.join(ROOT, 'docs')).filter((x) => x.endsWith('.md'))) {
    const blocks = [...readFileSync(path.join(ROOT, 'docs', f), 'utf8').matchAll(/^```js\n([\s\S]*?)^```$/gm)];
    blocks.forEach((m, i) => out.push({ doc: `docs/${f}`, n: i + 1, code: m[1]! }));
  }
  return out;
}

describe('documented API examples run', () => {
  const blocks = jsBlocks();
  it('docs/api.md and docs/ci.md have examples', () => {
    expect(blocks.filter((b) => b.doc === 'docs/api.md').length).toBeGreaterThanOrEqual(5);
    expect(blocks.filter((b) => b.doc === 'docs/ci.md').length).toBeGreaterThanOrEqual(1);
  });
  for (const { doc, n, code } of blocks) {
    it(`${doc}: example ${n}`, () => {
      // Inside the repository (out/ is ignored by git), so `import 'splitc'` resolves to the workspace.
      const dir = path.join(ROOT, 'out', 'docs-examples');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${path.basename(doc, '.md')}-${n}.mjs`);
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }, 60_000);
  }
});
