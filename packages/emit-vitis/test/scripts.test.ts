// quantize.py and compile.sh agree on where quantize_result/ is whatever the working directory
// (both resolve it beside the scripts), run against stubs of vai_q_pytorch, PIL and vai_c_xir;
// the README states the runner's real input format; the PyTorch version is the 3.0 image's.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitCompileSh, emitQuantizePy, emitVitisReadme, MODULE_CLASS, PYTORCH_VERSION, type VitisScriptsInput } from '@splitc/emit-vitis';
import { resolveTarget } from '@splitc/targets';
import { havePython, PYTHON } from '@splitc/test-support';

const x: VitisScriptsInput = {
  dpu: resolveTarget().dpu, modelName: 'm.onnx', splitcVersion: '0.0.0',
  inputShapes: [[1, 3, 4, 4]], outputs: [{ name: 'y', shape: [1, 4, 4, 8] }],
};

// Stubs of the calls quantize.py makes: torch_quantizer writes output_dir as given (relative to the
// working directory, as vai_q_pytorch does); PIL gives blank images; model.py is a tiny module.
const STUBS: Record<string, string> = {
  'pytorch_nndct/__init__.py': '',
  'pytorch_nndct/apis.py': `import os
class Inspector:
    def __init__(self, target): pass
    def inspect(self, model, inputs, device, output_dir): os.makedirs(output_dir, exist_ok=True)
class torch_quantizer:
    def __init__(self, mode, model, inputs, output_dir, bitwidth, device, target):
        self.output_dir = output_dir; self.quant_model = model
    def export_quant_config(self):
        os.makedirs(self.output_dir, exist_ok=True)
        open(os.path.join(self.output_dir, "quant_info.json"), "w").write("{}")
    def export_xmodel(self, output_dir, deploy_check):
        open(os.path.join(output_dir, "${MODULE_CLASS}_int.xmodel"), "w").write("xmodel")
`,
  'PIL/__init__.py': '',
  'PIL/Image.py': `import numpy as np
BILINEAR = 2
class _Img:
    def __init__(self, mode, size): self.mode, self.size = mode, size
    def convert(self, mode): return _Img(mode, self.size)
    def resize(self, size, resample): return _Img(self.mode, size)
    def __array__(self, dtype=None, copy=None):
        w, h = self.size
        return np.zeros((h, w, 3) if self.mode == "RGB" else (h, w), dtype=dtype or np.uint8)
def open(path): return _Img("RGB", (8, 8))
`,
};

describe('quantize.py and compile.sh', () => {
  it.runIf(havePython())('agree on quantize_result/ beside the scripts, run from another working directory', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'splitc-vitis-'));
    const dpu = path.join(root, 'out', 'dpu');
    const stubs = path.join(root, 'stubs');
    const elsewhere = path.join(root, 'elsewhere');
    for (const dir of [dpu, path.join(stubs, 'pytorch_nndct'), path.join(stubs, 'PIL'), path.join(elsewhere, 'calib')]) mkdirSync(dir, { recursive: true });
    for (const [rel, text] of Object.entries(STUBS)) writeFileSync(path.join(stubs, rel), text);
    writeFileSync(path.join(stubs, 'vai_c_xir'), `#!/usr/bin/env bash
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; -n) name="$2"; shift 2;; *) shift;; esac; done
echo "[UNILOG][INFO] Total device subgraph number 3, DPU subgraph number 1"
touch "$out/$name.xmodel" "$out/meta.json" "$out/md5sum.txt"
`);
    chmodSync(path.join(stubs, 'vai_c_xir'), 0o755);
    writeFileSync(path.join(dpu, 'model.py'), 'import torch\nINPUT_SHAPES = [[1, 3, 4, 4]]\ndef load_model():\n    return torch.nn.Identity()\n');
    writeFileSync(path.join(dpu, 'quantize.py'), emitQuantizePy(x));
    writeFileSync(path.join(dpu, 'compile.sh'), emitCompileSh(x));
    writeFileSync(path.join(elsewhere, 'calib', 'a.png'), '');
    const env = { ...process.env, PYTHONPATH: stubs, PATH: `${stubs}:${process.env.PATH}` };

    const q = spawnSync(PYTHON, [path.join(dpu, 'quantize.py'), '--calib-dir', 'calib', '--inspect'], { cwd: elsewhere, encoding: 'utf8', env });
    expect(q.stderr).toBe('');
    expect(q.status).toBe(0);
    const xmodel = path.join(dpu, 'quantize_result', `${MODULE_CLASS}_int.xmodel`);
    expect(q.stdout).toBe(`quantize.py: calibrated on 1 images\nquantize.py: wrote ${xmodel}\n`);
    expect(existsSync(xmodel)).toBe(true);
    expect(existsSync(path.join(dpu, 'inspect'))).toBe(true);
    expect(existsSync(path.join(elsewhere, 'quantize_result'))).toBe(false);

    // compile.sh, from a third directory, finds it with its defaults.
    writeFileSync(path.join(root, 'arch.json'), '{}');
    const c = spawnSync('bash', [path.join(dpu, 'compile.sh')], { cwd: root, encoding: 'utf8', env: { ...env, ARCH_JSON: path.join(root, 'arch.json') } });
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    expect(existsSync(path.join(dpu, 'compiled', 'splitc_dpu.xmodel'))).toBe(true);
  });
});

describe('dpu/README.md', () => {
  it("states the runner's real input format: int8 NHWC, scaled by 2^fix_point, dims[0] frames per call", () => {
    const md = emitVitisReadme(x);
    expect(md).toContain('each input as **int8 NHWC**, `[N, H, W, C]`, **already scaled\nby 2^fix_point** of that input tensor');
    expect(md).toContain('**N = dims[0] frames** (N = 6 on `DPUCVDX8G_ISA3_C32B6`');
  });
});

it('names the Vitis AI 3.0 image\'s PyTorch (1.12.1; 1.13 is Vitis AI 3.5)', () => {
  expect(PYTORCH_VERSION).toBe('1.12');
});
