// The HTML report, opened in a real headless browser (Debian's chromium): what is drawn.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { haveDebianData } from '@splitc/test-support';
import { ROOT, splitc } from './run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.runIf(haveDebianData(CHROMIUM, 'chromium', existsSync(CHROMIUM)))('plan report in headless chromium', () => {
  it('draws stacked bars for every valid split, marks the chosen one, draws both baselines', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'splitc-report-'));
    const html = path.join(d, 'report.html');
    const json = path.join(d, 'plan.json');
    const r = splitc(['plan', 'fixtures/models/resnet18.onnx', '--report', html, '-o', json]);
    expect(r.status).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/https?:\/\//); // self-contained
    const plan = JSON.parse(readFileSync(json, 'utf8'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1050, height: 1300 } });
      const requests: string[] = [];
      page.on('request', (req) => { if (!req.url().startsWith('file:')) requests.push(req.url()); });
      await page.goto(`file://${html}`);
      const drawn = await page.evaluate(() => {
        const box = (el: Element) => (el as SVGGraphicsElement).getBBox();
        const bars = [...document.querySelectorAll('#time-chart rect.bar')].map((el) => ({ index: Number(el.getAttribute('data-index')), cls: el.getAttribute('class'), x: box(el).x, w: box(el).width, h: box(el).height }));
        const marker = document.querySelector('#best-marker');
        const markerLine = marker?.querySelector('line');
        return {
          bars,
          marker: marker ? { index: Number(marker.getAttribute('data-index')), x: box(markerLine!).x } : null,
          baselines: ['#baseline-gpu', '#baseline-dpu'].map((s) => (document.querySelector(s) ? box(document.querySelector(s)!).width : 0)),
          bytesBars: document.querySelectorAll('#bytes-chart rect.bytes').length,
          layerRows: document.querySelectorAll('#layers tr.layer').length,
          dpuRows: document.querySelectorAll('#layers tr.layer.dpu').length,
          stream: document.querySelector('#stream-line') !== null,
        };
      });
      const validK = plan.candidates.filter((c: { kind: string }) => c.kind === 'prefix').length;
      expect(new Set(drawn.bars.map((b) => b.index)).size).toBe(validK);
      expect(drawn.bars.every((b) => b.w > 0 && b.h >= 0)).toBe(true);
      // Every bar has a DPU part except k = 0 and a GPU part except k = n.
      expect(drawn.bars.filter((b) => b.cls === 'bar dpu').length).toBe(validK - 1);
      expect(drawn.bars.filter((b) => b.cls === 'bar gpu').length).toBe(validK - 1);
      expect(drawn.marker!.index).toBe(plan.best.index);
      const chosen = drawn.bars.find((b) => b.index === plan.best.index)!;
      expect(drawn.marker!.x).toBeGreaterThan(chosen.x);
      expect(drawn.marker!.x).toBeLessThan(chosen.x + chosen.w);
      expect(drawn.baselines.every((w) => w > 800)).toBe(true);
      expect(drawn.bytesBars).toBe(validK);
      expect(drawn.layerRows).toBe(plan.model.layers);
      expect(drawn.dpuRows).toBe(plan.split.dpuLayers.length);
      expect(drawn.stream).toBe(true);
      expect(requests).toEqual([]);
      if (process.env.SPLITC_UPDATE_SCREENSHOT === '1') {
        await page.screenshot({ path: path.join(ROOT, 'docs/report-resnet18.png'), fullPage: false });
        const slow = path.join(d, 'report-1gbe.html');
        expect(splitc(['plan', 'fixtures/models/resnet18.onnx', '--link', '1gbe', '--report', slow]).status).toBe(0);
        await page.setViewportSize({ width: 1050, height: 1000 });
        await page.goto(`file://${slow}`);
        await page.screenshot({ path: path.join(ROOT, 'docs/report-resnet18-1gbe.png'), fullPage: false });
      }
    } finally {
      await browser.close();
    }
  });

  it('shades the splits the DPU cannot take and names the layer', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'splitc-report-'));
    const html = path.join(d, 'report.html');
    expect(splitc(['plan', 'fixtures/models/efficientnet_b0.onnx', '--report', html]).status).toBe(0);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${html}`);
      const label = await page.textContent('#time-chart .invalid-label');
      // x·sigmoid(x) is one SiLU layer (recognize-activations), a CPU function for the DPU.
      expect(label).toBe('no valid split: the DPU cannot run layer 1 Silu');
      const flagged = await page.$$eval('#layers tr.unsupported', (rows) => rows.length);
      expect(flagged).toBeGreaterThan(50);
    } finally {
      await browser.close();
    }
  });
});
