// The plan report: one self-contained HTML file (inline CSS and SVG, no script, no network) with
// the per-split time chart, the bytes that cross the link at each split, and the layer list.

import { htmlText as esc } from '@splitc/diagnostics';
import type { Candidate, Plan } from './plan-schema.js';

const COLORS = { dpu: '#d9822b', link: '#7a6fd0', gpu: '#2b8a3e', stream: '#1c1c1c', invalid: '#f1f1f1' };

function fmt(ms: number): string {
  return ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

function kib(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** A "nice" axis maximum and tick step. */
function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

interface Frame { x0: number; y0: number; w: number; h: number }

function axes(f: Frame, n: number, top: number, step: number, yLabel: string, fmtTick: (v: number) => string): string {
  const parts: string[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    const y = f.y0 + f.h - (v / top) * f.h;
    parts.push(`<line class="grid" x1="${f.x0}" x2="${f.x0 + f.w}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${f.x0 - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${fmtTick(v)}</text>`);
  }
  const every = Math.max(1, Math.ceil(n / 20));
  for (let k = 0; k < n; k += every) {
    const x = f.x0 + (k + 0.5) * (f.w / n);
    parts.push(`<text class="tick" x="${x.toFixed(1)}" y="${f.y0 + f.h + 16}" text-anchor="middle">${k}</text>`);
  }
  parts.push(`<line class="axis" x1="${f.x0}" x2="${f.x0 + f.w}" y1="${f.y0 + f.h}" y2="${f.y0 + f.h}"/>`);
  parts.push(`<line class="axis" x1="${f.x0}" x2="${f.x0}" y1="${f.y0}" y2="${f.y0 + f.h}"/>`);
  parts.push(`<text class="label" x="${f.x0 + f.w / 2}" y="${f.y0 + f.h + 34}" text-anchor="middle">split index k (first k layers on the DPU)</text>`);
  parts.push(`<text class="label" transform="translate(${f.x0 - 48},${f.y0 + f.h / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`);
  return parts.join('');
}

function timeChart(plan: Plan): string {
  const prefix = plan.candidates.filter((c): c is Candidate & { index: number } => c.kind === 'prefix' && c.index !== null);
  const n = plan.model.layers + 1; // k = 0..layers
  const f: Frame = { x0: 70, y0: 20, w: 860, h: 300 };
  const objective = (c: Candidate): number => (plan.objective === 'stream' ? c.streamMs : c.latencyMs);
  const maxY = Math.max(...prefix.map((c) => c.latencyMs), plan.baselines.gpuOnly.latencyMs);
  const { top, step } = niceScale(maxY);
  const bw = f.w / n;
  const y = (v: number): number => f.y0 + f.h - (v / top) * f.h;
  const out: string[] = [`<svg id="time-chart" viewBox="0 0 960 380" width="960" height="380" role="img" aria-label="estimated time per frame against split index">`];
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + (step / 10 ** Math.floor(Math.log10(step)) === 2.5 ? 1 : 0));
  out.push(axes(f, n, top, step, 'ms per frame', (v) => v.toFixed(decimals)));
  const maxValid = Math.max(...prefix.map((c) => c.index));
  if (maxValid < n - 1) {
    const x = f.x0 + (maxValid + 1) * bw;
    const u = plan.unsupported[0];
    out.push(`<rect class="invalid" x="${x.toFixed(1)}" y="${f.y0}" width="${(f.x0 + f.w - x).toFixed(1)}" height="${f.h}" fill="${COLORS.invalid}"/>`);
    out.push(`<text class="invalid-label" x="${(x + 6).toFixed(1)}" y="${f.y0 + 16}">no valid split: the DPU cannot run layer ${u?.index} ${esc(u?.op ?? '')}</text>`);
  }
  for (const c of prefix) {
    const x = f.x0 + c.index * bw + bw * 0.1;
    let acc = 0;
    for (const [part, v] of [['dpu', c.dpuMs], ['link', c.linkMs], ['gpu', c.gpuMs]] as const) {
      if (v <= 0) continue;
      const y1 = y(acc + v);
      out.push(`<rect class="bar ${part}" data-index="${c.index}" data-ms="${v}" x="${x.toFixed(2)}" y="${y1.toFixed(2)}" width="${(bw * 0.8).toFixed(2)}" height="${(y(acc) - y1).toFixed(2)}" fill="${COLORS[part]}"><title>k=${c.index} ${part} ${fmt(v)} ms</title></rect>`);
      acc += v;
    }
  }
  if (plan.objective === 'stream') {
    const pts = prefix.map((c) => `${(f.x0 + (c.index + 0.5) * bw).toFixed(2)},${y(c.streamMs).toFixed(2)}`).join(' ');
    out.push(`<polyline id="stream-line" points="${pts}" fill="none" stroke="${COLORS.stream}" stroke-width="1.5"/>`);
  }
  const base = (id: string, c: Candidate | null, label: string, dash: string): void => {
    if (c === null) return;
    const yy = y(objective(c));
    out.push(`<line id="${id}" class="baseline" x1="${f.x0}" x2="${f.x0 + f.w}" y1="${yy.toFixed(2)}" y2="${yy.toFixed(2)}" stroke="#444" stroke-dasharray="${dash}"/>`);
    out.push(`<text class="baseline-label" x="${f.x0 + f.w - 4}" y="${(yy - 4).toFixed(2)}" text-anchor="end">${label} ${fmt(objective(c))} ms</text>`);
  };
  base('baseline-gpu', plan.baselines.gpuOnly, 'GPU-only', '6 3');
  base('baseline-dpu', plan.baselines.dpuOnly, 'DPU-only', '2 3');
  if (plan.best.kind === 'prefix' && plan.best.index !== null) {
    const x = f.x0 + (plan.best.index + 0.5) * bw;
    const yy = y(objective(plan.best));
    out.push(`<g id="best-marker" data-index="${plan.best.index}"><line x1="${x.toFixed(2)}" x2="${x.toFixed(2)}" y1="${f.y0}" y2="${f.y0 + f.h}" stroke="#c92a2a" stroke-width="1.5"/>`);
    out.push(`<circle cx="${x.toFixed(2)}" cy="${yy.toFixed(2)}" r="5" fill="#c92a2a"/>`);
    // Label on the side with room, so it never runs off the chart.
    const right = x < f.x0 + f.w * 0.8;
    out.push(`<text x="${(right ? x + 8 : x - 8).toFixed(2)}" y="${f.y0 + 30}" text-anchor="${right ? 'start' : 'end'}" fill="#c92a2a">chosen k=${plan.best.index}</text></g>`);
  }
  out.push('</svg>');
  return out.join('');
}

function bytesChart(plan: Plan): string {
  const prefix = plan.candidates.filter((c): c is Candidate & { index: number } => c.kind === 'prefix' && c.index !== null);
  const n = plan.model.layers + 1;
  const f: Frame = { x0: 70, y0: 10, w: 860, h: 120 };
  const maxB = Math.max(...prefix.map((c) => c.crossingBytes)) / 1024;
  const { top, step } = niceScale(maxB);
  const bw = f.w / n;
  const out = [`<svg id="bytes-chart" viewBox="0 0 960 180" width="960" height="180" role="img" aria-label="bytes crossing the link against split index">`];
  out.push(axes(f, n, top, step, 'KiB crossing', (v) => v.toFixed(0)));
  for (const c of prefix) {
    const h = (c.crossingBytes / 1024 / top) * f.h;
    out.push(`<rect class="bytes" data-index="${c.index}" x="${(f.x0 + c.index * bw + bw * 0.1).toFixed(2)}" y="${(f.y0 + f.h - h).toFixed(2)}" width="${(bw * 0.8).toFixed(2)}" height="${h.toFixed(2)}" fill="${COLORS.link}"><title>k=${c.index}: ${kib(c.crossingBytes)} (${c.crossingTensors} tensors)</title></rect>`);
  }
  out.push('</svg>');
  return out.join('');
}

function row(c: Candidate | null, label: string): string {
  if (c === null) return `<tr><td>${label}</td><td colspan="6">impossible</td></tr>`;
  return `<tr><td>${label}</td><td>${c.index ?? 'min-cut'}</td><td>${fmt(c.dpuMs)}</td><td>${fmt(c.linkMs)}</td><td>${fmt(c.gpuMs)}</td><td>${fmt(c.streamMs)}</td><td>${fmt(c.latencyMs)}</td></tr>`;
}

/** Render the report. Deterministic: the same plan gives the same bytes. */
export function renderReport(plan: Plan): string {
  const onDpu = new Set(plan.split.dpuLayers);
  const speed = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
  const layerRows = plan.layers.map((l) => {
    const side = onDpu.has(l.name) ? 'dpu' : 'gpu';
    const flag = l.dpuSupported ? '' : ` <span class="flag">not on DPU: ${esc(plan.unsupported.find((u) => u.index === l.index)?.rule ?? '')}</span>`;
    return `<tr class="layer ${side}${l.dpuSupported ? '' : ' unsupported'}" data-index="${l.index}"><td>${l.index}</td><td>${esc(l.name)}${flag}</td><td>${esc(l.op)}</td><td>${l.macs.toLocaleString('en-US')}</td><td>${fmt(l.dpuMs)}</td><td>${fmt(l.gpuMs)}</td><td>${side.toUpperCase()}</td></tr>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>splitc plan — ${esc(plan.model.path)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1c1c1c;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #eee}td:nth-child(2),th:nth-child(2){text-align:left}
.grid{stroke:#eee}.axis{stroke:#888}.tick{font-size:11px;fill:#555}.label{font-size:12px;fill:#333}
.invalid-label,.baseline-label{font-size:11px;fill:#555}
tr.dpu td:last-child{color:${COLORS.dpu};font-weight:600}tr.gpu td:last-child{color:${COLORS.gpu};font-weight:600}
tr.dpu{background:#fdf3e9}tr.gpu{background:#eef7f0}tr.unsupported td:nth-child(2){color:#c92a2a}.flag{font-size:11px;color:#c92a2a}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
</style></head><body>
<h1>splitc plan: ${esc(plan.model.path)}</h1>
<p id="summary">Target <b>${esc(plan.target.dpu)}</b> (${esc(plan.target.vaiTarget)}) + <b>${esc(plan.target.gpu)}</b> (${plan.target.precision}) over <b>${esc(plan.target.link)}</b>; objective <b>${plan.objective}</b>.
Chosen split: <b>${plan.split.kind === 'prefix' ? `k = ${plan.split.index}` : 'min-cut set'}</b> — ${plan.split.dpuLayers.length} layers on the DPU, ${plan.split.gpuLayers.length} on the GPU,
${plan.split.cutTensors.length} tensor(s) crossing (${kib(plan.split.cutTensors.reduce((s, t) => s + t.bytes, 0))}).
Speed-up over DPU-only: <b>${speed(plan.speedups.overDpuOnly)}</b>; over GPU-only: <b>${speed(plan.speedups.overGpuOnly)}</b>.</p>
${plan.notes.map((n) => `<p class="note">Note: ${esc(n)}</p>`).join('\n')}
<h2>Estimated time per frame against split index</h2>
<p class="legend"><span style="background:${COLORS.dpu}"></span>DPU stage<span style="background:${COLORS.link}"></span>link<span style="background:${COLORS.gpu}"></span>GPU stage${plan.objective === 'stream' ? '<span style="background:#1c1c1c;height:2px"></span>stream period (max of DPU per-frame share, link, GPU)' : ''} — bars add up to one frame's latency; dashed lines are the baselines.</p>
${timeChart(plan)}
<h2>Bytes crossing the link at each split</h2>
<p>The link carries every tensor made on the DPU side and read on the GPU side (INT8, one byte per element; the camera frame for k = 0). Splits where little crosses are cheap on a slow link.</p>
${bytesChart(plan)}
<h2>Chosen split and baselines</h2>
<table id="summary-table"><tr><th></th><th>k</th><th>DPU ms</th><th>link ms</th><th>GPU ms</th><th>stream ms</th><th>latency ms</th></tr>
${row(plan.best, plan.predictor?.name === 'gnn' ? 'chosen (GNN)' : 'chosen')}${plan.predictor?.name === 'gnn' ? row(plan.predictor.exact, `exact optimum (GNN regret ${(plan.predictor.regret * 100).toFixed(2)}%)`) : ''}${row(plan.baselines.dpuOnly, 'DPU-only')}${row(plan.baselines.gpuOnly, 'GPU-only')}</table>
<p>Crossing tensors: ${plan.split.cutTensors.map((t) => `<code>${esc(t.name)}</code> [${t.shape.join('×')}]`).join(', ') || 'none'}</p>
${accuracySection(plan)}
<h2>Layers</h2>
<table id="layers"><tr><th>#</th><th>layer</th><th>op</th><th>MACs</th><th>DPU ms</th><th>GPU ms</th><th>device</th></tr>
${layerRows}
</table>
<p>splitc plan schema ${plan.schemaVersion}; model sha256 ${plan.model.sha256}.</p>
</body></html>
`;
}

/** How far the latency model is from measurements, and what in each profile is measured, fitted or assumed (plain p/b/table markup). */
function accuracySection(plan: Plan): string {
  const a = plan.accuracy;
  const measured = (side: 'gpu' | 'dpu'): string => {
    const m = plan.measured[side];
    return m === null ? '' : `<p>Measured ${side.toUpperCase()} profile <code>${esc(m.file)}</code> replaces the model for ${m.matched} layer(s) (${m.unmatched} entr${m.unmatched === 1 ? 'y' : 'ies'} not matched).</p>`;
  };
  const one = (side: 'gpu' | 'dpu', name: string): string => {
    const p = a?.[side] ?? null;
    const title = `<p class="model-error-device"><b>${side.toUpperCase()} ${esc(name)}</b></p>`;
    if (p === null) return `${title}<p>No provenance in this profile: its error against measurements is unknown.</p>${measured(side)}`;
    const list = (xs: readonly string[]): string => (xs.length === 0 ? 'nothing' : xs.map(esc).join('; '));
    const errs = p.errors.map((e) => `<tr><td>${esc(e.set)}</td><td>${esc(e.precision ?? '')}</td><td>${esc(e.what)}</td><td>${e.points}</td><td>${e.geomeanRatio.toFixed(2)}×</td><td>${e.worstRatio.toFixed(2)}×</td></tr>`).join('');
    return `${title}
<p>Basis: ${esc(p.basis)}.</p>
<p><b>Measured:</b> ${list(p.measured)}</p>
<p><b>Fitted:</b> ${list(p.fitted)}</p>
<p><b>Assumed:</b> ${list(p.assumed)}</p>
${errs === '' ? '<p>No error figures.</p>' : `<table class="model-error"><tr><th>data</th><th>precision</th><th>what</th><th>points</th><th>geomean error</th><th>worst error</th></tr>${errs}</table>`}
${measured(side)}`;
  };
  return `<h2 id="model-error">Model error</h2>
<p>The estimates come from an analytical model; error = max(estimate/measured, measured/estimate).</p>
${one('gpu', plan.target.gpu)}${one('dpu', plan.target.dpu)}`;
}
