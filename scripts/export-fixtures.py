#!/usr/bin/python3
"""Regenerate the ONNX fixture models with PyTorch's own exporter (Debian python3-torch/torchvision).

Usage:
  /usr/bin/python3 scripts/export-fixtures.py                 # fixtures/models/*.onnx + macs.json
  /usr/bin/python3 scripts/export-fixtures.py --large DIR     # weighted ResNet152 and VGG16 for benchmarks
  /usr/bin/python3 scripts/export-fixtures.py --only resnet18 --out DIR [--weights]

Every model is built with torch.manual_seed(0) and random initialisation (no download: nothing
may fetch weights here), put in eval mode and exported at opset 13. "Structure-only" files use
export_params=False: the weights become graph inputs without initializers, so files stay small.
MAC counts come from forward hooks on Conv2d/Linear (see count_macs), the reference that
splitc's `inspect` must reproduce.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision.models as tvm


class LeNet5(nn.Module):
    """LeNet-5 for 1x28x28 inputs (padding 2 on the first conv keeps the classic 32x32 geometry)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class TinyRes(nn.Module):
    """A small residual net with weights (conv-BN-ReLU stem, two basic blocks, one with a strided
    1x1 downsample, global pool, linear): residual cuts on a model small enough to commit."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.b1 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16))
        self.b2 = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32))
        self.down = nn.Sequential(nn.Conv2d(16, 32, 1, stride=2), nn.BatchNorm2d(32))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(self.b1(x) + x)
        x = torch.relu(self.b2(x) + self.down(x))
        return self.head(x)


# name -> (constructor, input shape)
MISSION = {
    "lenet5": (LeNet5, (1, 1, 28, 28)),
    "resnet18": (lambda: tvm.resnet18(), (1, 3, 224, 224)),
    "resnet50": (lambda: tvm.resnet50(), (1, 3, 224, 224)),
    "resnet101": (lambda: tvm.resnet101(), (1, 3, 224, 224)),
    "resnet152": (lambda: tvm.resnet152(), (1, 3, 224, 224)),
    "vgg16": (lambda: tvm.vgg16(), (1, 3, 224, 224)),
    "mobilenetv2": (lambda: tvm.mobilenet_v2(), (1, 3, 224, 224)),
}

# Small weighted models for partition tests.
SMALL = {
    "tinyres": (TinyRes, (1, 3, 32, 32)),
}

# Other torchvision families: residual, dense, multi-branch, depthwise, grouped, channel shuffle,
# squeeze-excitation, layer norm. Used to show that the importer is not tuned to the seven above.
ZOO = {
    "alexnet": (lambda: tvm.alexnet(), (1, 3, 224, 224)),
    "squeezenet1_0": (lambda: tvm.squeezenet1_0(), (1, 3, 224, 224)),
    "googlenet": (lambda: tvm.googlenet(aux_logits=False, init_weights=True), (1, 3, 224, 224)),
    "inception_v3": (lambda: tvm.inception_v3(aux_logits=False, init_weights=True), (1, 3, 299, 299)),
    "densenet121": (lambda: tvm.densenet121(), (1, 3, 224, 224)),
    "shufflenet_v2_x1_0": (lambda: tvm.shufflenet_v2_x1_0(), (1, 3, 224, 224)),
    "efficientnet_b0": (lambda: tvm.efficientnet_b0(), (1, 3, 224, 224)),
    "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(), (1, 3, 224, 224)),
    "regnet_y_400mf": (lambda: tvm.regnet_y_400mf(), (1, 3, 224, 224)),
    "convnext_tiny": (lambda: tvm.convnext_tiny(), (1, 3, 224, 224)),
    "resnext50_32x4d": (lambda: tvm.resnext50_32x4d(), (1, 3, 224, 224)),
}

# Architectures measured on an NVIDIA H200 for the GPU latency model (packages/targets/calibration):
# exported with --only NAME --out fixtures/models/calibration, not part of the MAC-count check.
CALIBRATION = {
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(), (1, 3, 224, 224)),
    "resnet34": (lambda: tvm.resnet34(), (1, 3, 224, 224)),
    "wide_resnet50_2": (lambda: tvm.wide_resnet50_2(), (1, 3, 224, 224)),
    "vgg11": (lambda: tvm.vgg11(), (1, 3, 224, 224)),
    "vgg19": (lambda: tvm.vgg19(), (1, 3, 224, 224)),
    "mobilenet_v3_large": (lambda: tvm.mobilenet_v3_large(), (1, 3, 224, 224)),
    "mnasnet1_0": (lambda: tvm.mnasnet1_0(), (1, 3, 224, 224)),
    "regnet_x_1_6gf": (lambda: tvm.regnet_x_1_6gf(), (1, 3, 224, 224)),
    "densenet169": (lambda: tvm.densenet169(), (1, 3, 224, 224)),
    "efficientnet_b1": (lambda: tvm.efficientnet_b1(), (1, 3, 224, 224)),
}

WEIGHTED = ["lenet5", "mobilenetv2", "tinyres"]
LARGE = ["resnet152", "vgg16"]


def build(name):
    table = {**MISSION, **ZOO, **SMALL, **CALIBRATION}
    ctor, shape = table[name]
    torch.manual_seed(0)
    model = ctor()
    # Give BatchNorm non-trivial statistics, so folding it is actually exercised.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    model = model.eval()
    return model, shape


def count_macs(model, shape):
    """MACs as PyTorch counts them with forward hooks on Conv2d and Linear."""
    total = [0]

    def conv_hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1]
        total[0] += out.numel() * (m.in_channels // m.groups) * k

    def linear_hook(m, inp, out):
        total[0] += out.numel() * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.zeros(*shape))
    for h in hooks:
        h.remove()
    return total[0]


def export(name, path, weights):
    model, shape = build(name)
    torch.manual_seed(1)
    x = torch.randn(*shape)
    with torch.no_grad():
        torch.onnx.export(
            model, x, path, opset_version=13, export_params=weights, do_constant_folding=weights,
            input_names=["input"], output_names=["output"],
        )
    return model, shape


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "models"))
    ap.add_argument("--only", action="append")
    ap.add_argument("--weights", action="store_true")
    ap.add_argument("--large", metavar="DIR", help="export weighted ResNet152 and VGG16 into DIR")
    ap.add_argument("--macs", action="store_true", help="print hook MAC counts as JSON and exit")
    args = ap.parse_args()

    if args.macs:
        names = args.only or list(MISSION) + list(ZOO)
        print(json.dumps({n: count_macs(*build(n)) for n in names}, indent=2, sort_keys=True))
        return
    if args.large:
        os.makedirs(args.large, exist_ok=True)
        for n in LARGE:
            export(n, os.path.join(args.large, f"{n}-weights.onnx"), True)
            print(f"wrote {args.large}/{n}-weights.onnx", file=sys.stderr)
        return
    os.makedirs(args.out, exist_ok=True)
    if args.only:
        for n in args.only:
            suffix = "-weights" if args.weights else ""
            export(n, os.path.join(args.out, f"{n}{suffix}.onnx"), args.weights)
        return

    macs = {}
    for n in list(MISSION) + list(ZOO):
        model, shape = export(n, os.path.join(args.out, f"{n}.onnx"), False)
        macs[n] = count_macs(model, shape)
        print(f"{n}: {macs[n]} MACs", file=sys.stderr)
    for n in WEIGHTED:
        export(n, os.path.join(args.out, f"{n}-weights.onnx"), True)
    with open(os.path.join(args.out, "macs.json"), "w") as f:
        json.dump({"source": "PyTorch forward hooks on Conv2d/Linear (scripts/export-fixtures.py)",
                   "torch": torch.__version__, "macs": macs}, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
