"""Batch-1 GPU timings for splitc's GPU latency model, run on a machine with an NVIDIA GPU.

Same method as the reference measurements (shared/tools/gpu_timing.py): PyTorch, random weights,
eval(), channels-last, cuDNN benchmark mode, the whole forward captured in one CUDA graph, median
of the replays timed with CUDA events. Three parts, each written as soon as it is done:

  whole.json    whole torchvision models at batch 1, fp16 and fp32 (TF32 convolutions)
  stages.json   the GPU half after each stage of some torchvision models (the suffix), fp16
  halves.json   the GPU half at every candidate split k of splitc fixtures, run as the PyTorch
                code splitc generates (scripts/gpu-split-pack.mjs), fp16, and for each model a
                suffix timing file `<model>.gpu-profile.json` that `splitc plan --profile-gpu`
                reads

  python3 scripts/measure-gpu-half.py [--pack splits.json] [--out DIR] [--budget SECONDS]

Parts stop when the time budget is spent (what was measured is kept)."""
import argparse, datetime, json, os, sys, time
import torch, torchvision

ap = argparse.ArgumentParser()
ap.add_argument('--pack', default=None)
ap.add_argument('--out', default=os.environ.get('OUT', '.'))
ap.add_argument('--budget', type=float, default=300.0)
ap.add_argument('--models', default=None, help='comma-separated whole-model list (default: built-in)')
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
T0 = time.time()
def left(): return args.budget - (time.time() - T0)
def log(*a): print(*a, round(time.time() - T0, 1), file=sys.stderr, flush=True)

torch.backends.cudnn.benchmark = True
dev = torch.device('cuda')
M = torchvision.models
META = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'torchvision': torchvision.__version__,
        'cudnn': torch.backends.cudnn.version(), 'date': datetime.datetime.utcnow().strftime('%Y-%m-%d'),
        'method': 'PyTorch, random weights, eval, channels-last, cudnn.benchmark, one CUDA graph, median of CUDA-event-timed replays, batch 1'}

def dump(name, obj):
    with open(os.path.join(args.out, name), 'w') as f: json.dump(obj, f, indent=1, sort_keys=True)

def make(n):
    kw = {'weights': None}
    if n in ('googlenet', 'inception_v3'): kw.update(aux_logits=False, init_weights=False)
    return getattr(M, n)(**kw).eval()

def bench(mod, shapes, dtype, iters=200):
    mod = mod.to(dev, dtype=dtype).to(memory_format=torch.channels_last)
    xs = [torch.randn(*s, device=dev, dtype=dtype) for s in shapes]
    xs = [x.to(memory_format=torch.channels_last) if x.dim() == 4 else x for x in xs]
    with torch.no_grad():
        s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(10): mod(*xs)
        torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g): mod(*xs)
        for _ in range(20): g.replay()
        torch.cuda.synchronize()
        ts = []
        for _ in range(iters):
            a = torch.cuda.Event(enable_timing=True); b = torch.cuda.Event(enable_timing=True)
            a.record(); g.replay(); b.record(); b.synchronize(); ts.append(a.elapsed_time(b))
    ts.sort(); return ts[len(ts) // 2]

# 1. Whole models: held-out architectures (not in the reference table) first, then the reference
#    eleven again as a same-machine baseline.
HELD_OUT = ['resnet34', 'resnet101', 'wide_resnet50_2', 'resnext50_32x4d', 'vgg11', 'vgg19', 'mobilenet_v3_large',
            'mobilenet_v3_small', 'mnasnet1_0', 'shufflenet_v2_x1_0', 'regnet_y_400mf', 'regnet_x_1_6gf', 'inception_v3',
            'squeezenet1_0', 'densenet169', 'efficientnet_b1']
GIVEN = ['resnet18', 'resnet50', 'resnet152', 'vgg16', 'mobilenet_v2', 'googlenet', 'densenet121', 'squeezenet1_1',
         'efficientnet_b0', 'convnext_tiny', 'alexnet']
names = args.models.split(',') if args.models else HELD_OUT + GIVEN
whole = {'meta': META, 'heldOut': HELD_OUT, 'given': GIVEN, 'ms': {}}
for n in names:
    if left() < 30: log('budget: stop whole models at', n); break
    hw = 299 if n == 'inception_v3' else 224
    try:
        whole['ms'][n] = {'fp16': bench(make(n), [(1, 3, hw, hw)], torch.float16), 'fp32': bench(make(n), [(1, 3, hw, hw)], torch.float32)}
    except Exception as e:
        whole['ms'][n] = {'error': repr(e)[:200]}
    log(n, whole['ms'][n]); dump('whole.json', whole)

# 2. Suffixes after each stage of torchvision models (as gpu_timing.py), held-out ones.
class Seq(torch.nn.Module):
    def __init__(self, mods): super().__init__(); self.m = torch.nn.ModuleList(mods)
    def forward(self, x):
        for f in self.m: x = f(x)
        return x

def stages_of(n):
    m = make(n)
    if n.startswith('res') or n.startswith('wide'):
        st = [torch.nn.Sequential(m.conv1, m.bn1, m.relu, m.maxpool), m.layer1, m.layer2, m.layer3, m.layer4,
              torch.nn.Sequential(m.avgpool, torch.nn.Flatten(), m.fc)]
        return st, ['input', 'layer1', 'layer2', 'layer3', 'layer4', 'head']
    feats = list(m.features)
    if n.startswith('vgg'):
        cuts = [0] + [i + 1 for i, f in enumerate(feats) if isinstance(f, torch.nn.MaxPool2d)]
        st = [torch.nn.Sequential(*feats[a:b]) for a, b in zip(cuts, cuts[1:])] + [torch.nn.Sequential(m.avgpool, torch.nn.Flatten(), m.classifier)]
        return st, ['input'] + [f'features.{c}' for c in cuts[1:]]
    # mobilenet_v3_*: features blocks, then avgpool + classifier
    b = [0, 2, 4, 7, len(feats) - 4, len(feats)]
    st = [torch.nn.Sequential(*feats[x:y]) for x, y in zip(b, b[1:])] + [torch.nn.Sequential(m.avgpool, torch.nn.Flatten(), m.classifier)]
    return st, ['input'] + [f'features.{c}' for c in b[1:-1]] + ['head']

stages = {'meta': META, 'ms': {}}
for n in ['resnet101', 'resnet34', 'wide_resnet50_2', 'vgg11', 'mobilenet_v3_large']:
    if left() < 60: log('budget: stop stages at', n); break
    try:
        st, labels = stages_of(n)
        x = torch.randn(1, 3, 224, 224); shapes = []
        with torch.no_grad():
            for s in st: shapes.append(tuple(x.shape)); x = s(x)
        stages['ms'][n] = {labels[i]: {'inputShape': shapes[i], 'fp16': bench(Seq(st[i:]), [shapes[i]], torch.float16)} for i in range(len(st))}
    except Exception as e:
        stages['ms'][n] = {'error': repr(e)[:300]}
    log(n, 'stages done'); dump('stages.json', stages)

# 3. The GPU half at every candidate split, as splitc-generated PyTorch code.
if args.pack:
    pack = json.load(open(args.pack))
    halves = {'meta': META, 'ms': {}}
    for m in pack['models']:
        res = {}
        for sp in m['splits']:
            if left() < 15: log('budget: stop halves at', m['model'], sp['k']); break
            ns = {'__name__': 'splitc_half', '__file__': os.path.join(args.out, 'model.py')}
            try:
                exec(compile(sp['source'], m['model'] + '@' + str(sp['k']), 'exec'), ns)
                res[sp['k']] = bench(ns['DpuPartition']().eval(), [tuple(i['shape']) for i in sp['inputs']], torch.float16, iters=100)
            except Exception as e:
                res[sp['k']] = None; log('fail', m['model'], sp['k'], repr(e)[:200])
        halves['ms'][m['model']] = {str(k): v for k, v in res.items()}
        ok = [(k, v) for k, v in res.items() if v is not None]
        dump('halves.json', halves)
        if ok:
            dump(m['model'] + '.gpu-profile.json', {
                'schemaVersion': 1, 'kind': 'gpu-suffix', 'device': META['device'], 'precision': 'fp16',
                'method': 'measure-gpu-half.py: splitc-generated PyTorch code of the GPU half at each split, ' + META['method'] + f", torch {META['torch']}, {META['date']}",
                'suffixes': [{'from': m['layers'][k], 'ms': v} for k, v in ok]})
        log(m['model'], len(ok), 'halves')
log('done')
