#!/usr/bin/env node
// One ensemble of every member of several weights directories trained alike (the same model config
// and training record but their seeds), as docs/gnn.md's thirteenth pass built four- and
// six-member ensembles from two-member ones. The members are written in the order given; merging
// one directory alone rewrites its files byte for byte. Directories trained otherwise, or sharing a
// seed, are refused.
// Usage: npm run build && node scripts/gnn-merge.mjs OUT_DIR DIR DIR...
import { loadWeights, saveWeights } from '@splitc/gnn';

const [out, ...dirs] = process.argv.slice(2);
if (out === undefined || dirs.length === 0) {
  console.error('usage: node scripts/gnn-merge.mjs OUT_DIR DIR [DIR...]');
  process.exit(2);
}
const loaded = dirs.map((d) => loadWeights(d));
/** What must be equal: the config and the training record without its seeds. */
const recipe = (w) => {
  const { seed: _seed, seeds: _seeds, ...training } = w.meta.training;
  return JSON.stringify({ config: w.meta.config, training });
};
const first = recipe(loaded[0]);
loaded.forEach((w, i) => {
  if (recipe(w) !== first) {
    console.error(`${dirs[i]} was not trained like ${dirs[0]} (config or training record differ beyond the seeds)`);
    process.exit(1);
  }
});
const seeds = loaded.flatMap((w) => w.seeds);
if (new Set(seeds).size !== seeds.length) {
  console.error(`the directories share a seed (${seeds.join(', ')}): a member would be there twice`);
  process.exit(1);
}
const { seed: _seed, ...training } = loaded[0].meta.training;
saveWeights(out, loaded[0].meta.config, { ...training, seeds }, loaded.flatMap((w) => w.members));
console.log(`${out}: ${seeds.length} members, seeds ${seeds.join(', ')}`);
