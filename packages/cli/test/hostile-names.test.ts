// Names from model and target files are untrusted (issue 9, item 1): a model whose node,
// tensor and initializer names, a file name and a target file full of newlines, quotes, `$()`,
// backticks, `"""`, `</script>`, line separators, bidi controls and bytes that are not UTF-8 go
// through `splitc compile`; every emitted script is then parsed and run (with stubbed vai_c_xir
// and trtexec), model.py runs in PyTorch, the report is parsed as HTML, and nothing the names
// say ever executes.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneLine } from '@splitc/diagnostics';
import { DataType } from '@splitc/onnx';
import type { Manifest } from 'splitc';
import { floats, model, vi } from '@splitc/test-support';
import { haveDebianData, havePython, PYTHON } from '@splitc/test-support';
import { ROOT, splitc } from './run-cli.js';

/** Every way out of a string, comment or element we know of. `~BAD~` becomes bytes that are not UTF-8; w1's name starts with a BOM. */
const EVIL = `\n$(touch PWNED1)\`touch PWNED2\`'"; touch PWNED3; "\\ """; import os; os.system("touch PWNED4"); """ </script><script>alert(1)</script>\r\u2028#\u202e~BAD~ \u0007`;
const BAD_BYTES = [0xff, 0xfe, 0x80, 0xc3, 0x28]; // as long as '~BAD~'
const evil = (tag: string): string => `${tag}${EVIL}`;

/** x → conv1 → relu1 → conv2 → relu2 → y, every name hostile; weights so that model.py must load them. */
function hostileModel(): Uint8Array {
  const [x, w1, w2, t1, t2, t3, y] = ['x', '\ufeffw1', 'w2', 't1', 't2', 't3', 'y'].map(evil) as [string, string, string, string, string, string, string];
  const pads = [{ name: 'pads', type: 'ints' as const, ints: [1, 1, 1, 1] }];
  const bytes = model({
    nodes: [
      { name: evil('conv1'), opType: 'Conv', inputs: [x, w1], outputs: [t1], attributes: pads },
      { name: evil('relu1'), opType: 'Relu', inputs: [t1], outputs: [t2] },
      { name: evil('conv2'), opType: 'Conv', inputs: [t2, w2], outputs: [t3], attributes: pads },
      { name: evil('relu2'), opType: 'Relu', inputs: [t3], outputs: [y] },
    ],
    inputs: [vi(x, [1, 3, 8, 8])],
    outputs: [vi(y, [1, 4, 8, 8])],
    initializers: [
      { name: w1, dataType: DataType.FLOAT, dims: [4, 3, 3, 3], data: floats(Array.from({ length: 108 }, (_, i) => Math.sin(i))) },
      { name: w2, dataType: DataType.FLOAT, dims: [4, 4, 3, 3], data: floats(Array.from({ length: 144 }, (_, i) => Math.cos(i))) },
    ],
  });
  // Same length, so every protobuf length prefix stays right.
  const marker = new TextEncoder().encode('~BAD~');
  let replaced = 0;
  for (let i = 0; i + marker.length <= bytes.length; i++) {
    if (marker.every((b, j) => bytes[i + j] === b)) { bytes.set(BAD_BYTES, i); replaced++; }
  }
  expect(replaced).toBeGreaterThanOrEqual(11);
  return bytes;
}

/** What a name in the model reads as once decoded (the bad bytes become U+FFFD). */
const decoded = (tag: string): string => evil(tag).replace('~BAD~', new TextDecoder().decode(new Uint8Array(BAD_BYTES)));

const STUBS = {
  // Records its arguments (NUL-separated), then behaves like a successful vai_c_xir.
  vai_c_xir: `#!/usr/bin/env bash
set -eu
printf '%s\\0' "$@" > "$STUB_LOG/vai_c_xir.args"
out=; name=
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift;; -n) name="$2"; shift;; esac; shift; done
: > "$out/$name.xmodel"; : > "$out/meta.json"; : > "$out/md5sum.txt"
echo "[UNILOG][INFO] Total device subgraph number 3, DPU subgraph number 1"
`,
  trtexec: `#!/usr/bin/env bash
if [ "$1" = "--help" ]; then echo "=== TensorRT v100300 ==="; exit 0; fi
printf '%s\\0' "$@" > "$STUB_LOG/trtexec.args"
echo "trtexec stub"
`,
};

const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)])).sort();

describe('hostile names never escape their quotes', () => {
  const sandbox = mkdtempSync(path.join(tmpdir(), 'splitc-hostile-'));
  // The arch.json path itself is hostile, and exists, so that compile.sh's default is used and checked.
  const archDir = path.join(sandbox, evil('arch').replace(/\//g, '_'));
  mkdirSync(archDir);
  const archJson = path.join(archDir, 'arch.json');
  writeFileSync(archJson, '{}');
  const dpuName = evil('vck').replace(/\+/g, '');
  const builtin = JSON.parse(readFileSync(path.join(ROOT, 'packages/targets/profiles/vck190.json'), 'utf8')) as { devices: Record<string, Record<string, unknown>> };
  const device = { ...builtin.devices.vck190!, name: dpuName, description: evil('description'), archJson, vaiTarget: evil('DPUCVDX8G'), fingerprint: evil('0x60') };
  const targetFile = path.join(sandbox, 'target.json');
  writeFileSync(targetFile, JSON.stringify({ schemaVersion: 1, devices: { [dpuName]: device } }));
  const modelFile = path.join(sandbox, `m${EVIL}.onnx`.replace(/\//g, '_'));
  writeFileSync(modelFile, hostileModel());
  const out = path.join(sandbox, 'out');
  const r = splitc(['compile', modelFile, '--target-file', targetFile, '--target', `${dpuName}+rtx2080`, '--split', '2', '-o', out], sandbox);
  const manifest = (): Manifest => JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  const pwned = (): string[] => walk(sandbox).filter((f) => /^PWNED\d$/.test(path.basename(f)));

  it('compiles, and the manifest keeps every name exactly', () => {
    expect(r.stderr).toMatch(/^(warning: [^\n]*\n)?$/);
    expect(r.status).toBe(0);
    const m = manifest();
    expect(m.split.dpuLayers).toEqual([decoded('conv1'), decoded('relu1')]);
    expect(m.split.gpuLayers).toEqual([decoded('conv2'), decoded('relu2')]);
    expect(m.crossing.map((c) => c.name)).toEqual([decoded('t2')]);
    expect(m.tools.archJson).toBe(archJson);
    expect(pwned()).toEqual([]);
  });

  it('shell scripts: bash -n, shellcheck clean, one line per comment', () => {
    const shells = walk(out).filter((f) => f.endsWith('.sh'));
    expect(shells.map((f) => path.relative(out, f))).toEqual(['dpu/compile.sh', 'gpu/build_engine.sh']);
    for (const f of shells) {
      const n = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
      expect(n.stderr, f).toBe('');
      expect(n.status, f).toBe(0);
    }
    if (haveDebianData('/usr/bin/shellcheck', 'shellcheck', existsSync('/usr/bin/shellcheck'))) {
      const sc = spawnSync('/usr/bin/shellcheck', ['--severity=style', ...shells], { encoding: 'utf8' });
      expect(sc.stdout + sc.stderr).toBe('');
    }
    // No control or format character is written raw into any script or README.
    for (const f of walk(out).filter((g) => /\.(sh|py|md)$/.test(g))) {
      expect(readFileSync(f, 'utf8'), f).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    }
  });

  it('compile.sh and build_engine.sh run (stubbed tools) and pass the hostile values through intact', () => {
    const stubs = path.join(sandbox, 'stubs');
    mkdirSync(stubs, { recursive: true });
    for (const [name, text] of Object.entries(STUBS)) {
      writeFileSync(path.join(stubs, name), text);
      chmodSync(path.join(stubs, name), 0o755);
    }
    mkdirSync(path.join(out, 'dpu', 'quantize_result'), { recursive: true });
    writeFileSync(path.join(out, 'dpu', 'quantize_result', 'DpuPartition_int.xmodel'), '');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${stubs}:${process.env.PATH}`, STUB_LOG: stubs };
    delete env.ARCH_JSON;
    const dpu = spawnSync('bash', [path.join(out, 'dpu', 'compile.sh')], { cwd: sandbox, env, encoding: 'utf8' });
    expect(dpu.stderr).toBe('');
    expect(dpu.status).toBe(0);
    // The last line names the target through a variable: the exact vaiTarget, nothing run.
    expect(dpu.stdout.endsWith(`(target ${device.vaiTarget})\n`)).toBe(true);
    const args = readFileSync(path.join(stubs, 'vai_c_xir.args'), 'utf8').split('\0').slice(0, -1);
    expect(args[args.indexOf('-a') + 1]).toBe(archJson);
    const gpu = spawnSync('bash', [path.join(out, 'gpu', 'build_engine.sh')], { cwd: sandbox, env, encoding: 'utf8' });
    expect(gpu.stderr).toBe('');
    expect(gpu.status).toBe(0);
    const targs = readFileSync(path.join(stubs, 'trtexec.args'), 'utf8').split('\0').slice(0, -1);
    expect(targs[0]).toBe(`--onnx=${path.join(out, 'gpu', 'partition.onnx')}`);
    expect(pwned()).toEqual([]);
  });

  it.runIf(havePython())('Python files compile, and their literals and docstrings hold the names exactly', () => {
    const pythons = walk(out).filter((f) => f.endsWith('.py'));
    expect(pythons.map((f) => path.relative(out, f))).toEqual(['dpu/model.py', 'dpu/quantize.py', 'dpu/worker.py', 'dpu/xmodel_map.py', 'gpu/build_engine.py', 'gpu/model.py', 'gpu/worker.py']);
    const probe = `
import ast, json, sys
res = {}
for f in sys.argv[1:]:
    tree = ast.parse(open(f, encoding="utf-8").read(), f)
    consts = {t.id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
              if isinstance(t, ast.Name) and t.id in ("INPUT_NAMES", "OUTPUT_NAMES", "WEIGHTS", "DEFAULT_TARGET", "EXPECTED_INPUTS", "EXPECTED_OUTPUTS", "CROSSINGS", "OUTPUT_MODULES")}
    if "EXPECTED_INPUTS" in consts: consts["EXPECTED_INPUTS"] = sorted(consts["EXPECTED_INPUTS"])
    if "EXPECTED_OUTPUTS" in consts: consts["EXPECTED_OUTPUTS"] = sorted(consts["EXPECTED_OUTPUTS"])
    consts["doc"] = tree.body[0].value.value
    res[f.rsplit("/", 2)[-2] + "/" + f.rsplit("/", 1)[-1]] = consts
print(json.dumps(res))
`;
    const r = spawnSync(PYTHON, ['-c', probe, ...pythons], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    const m = manifest();
    const modelName = path.basename(modelFile);
    expect(got['dpu/model.py']!.INPUT_NAMES).toEqual(m.partitions.dpu!.inputs);
    expect(got['dpu/model.py']!.OUTPUT_NAMES).toEqual(m.partitions.dpu!.outputs);
    expect((got['dpu/model.py']!.WEIGHTS as string[][]).map((w) => w[1])).toEqual([decoded('\ufeffw1')]);
    expect(got['dpu/model.py']!.doc).toContain(`The DPU partition of ${modelName} as a plain PyTorch module`);
    expect(got['dpu/quantize.py']!.DEFAULT_TARGET).toBe(device.vaiTarget);
    expect(got['dpu/quantize.py']!.doc).toContain(`[--target ${device.vaiTarget}]`);
    expect(got['gpu/build_engine.py']!.EXPECTED_INPUTS).toEqual([...m.partitions.gpu!.inputs].sort());
    expect(got['gpu/build_engine.py']!.EXPECTED_OUTPUTS).toEqual([decoded('y')]);
    expect(got['dpu/xmodel_map.py']!.CROSSINGS).toEqual(m.partitions.dpu!.outputs);
    expect(Object.keys(got['dpu/xmodel_map.py']!.OUTPUT_MODULES as object)).toEqual(m.partitions.dpu!.outputs);
  });

  it.runIf(havePython('torch'))('model.py loads its weights in PyTorch and names its outputs exactly', () => {
    const r = spawnSync(PYTHON, ['-c', 'import json, torch, model\nm = model.load_model()\nout = m(*[torch.zeros(s) for s in model.INPUT_SHAPES])\nprint(json.dumps([model.OUTPUT_NAMES, list(out.shape), float(out.abs().sum()) >= 0]))'], { cwd: path.join(out, 'dpu'), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([[decoded('t2')], [1, 4, 8, 8], true]);
    expect(pwned()).toEqual([]);
  });

  it.runIf(havePython())('the report parses as HTML with no script element and shows every name as text', () => {
    const probe = `
import html.parser, json, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = set(); self.text = []
    def handle_starttag(self, tag, attrs): self.tags.add(tag)
    def handle_data(self, d): self.text.append(d)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
print(json.dumps({"tags": sorted(p.tags), "text": "".join(p.text)}))
`;
    const r = spawnSync(PYTHON, ['-c', probe, path.join(out, 'report.html')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { tags, text } = JSON.parse(r.stdout) as { tags: string[]; text: string };
    expect(tags).not.toContain('script');
    // No active element came from a name (the report itself has none: inline CSS and SVG only).
    for (const active of ['script', 'iframe', 'object', 'embed', 'img', 'base', 'form', 'input', 'link']) expect(tags).not.toContain(active);
    for (const name of ['conv1', 'relu1', 'conv2', 'relu2']) expect(text).toContain(oneLine(decoded(name)));
    expect(text).toContain(oneLine(dpuName));
  });
});
