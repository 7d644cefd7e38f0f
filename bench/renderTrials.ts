// Render benchmark: a 10,000-trial study opened through the browser host in Debian Chromium.
// Measures (1) time from navigation start to the trials table and the optimization-history chart
// drawn (performance marks the renderer sets: 'trials-table-drawn', 'history-chart-drawn'), over
// cold page loads (in a window already open, and in one opened at the same moment) and over opens from
// the app's sweep list, and (2) frame times while the trials table is scrolled programmatically
// (requestAnimationFrame deltas). Targets: first draw <= 1 s; no frame over 50 ms while scrolling.
// Writes section `render-trials` of BENCHMARKS.md. Run: npx tsx bench/renderTrials.ts
//   [--loads N] (default 5)  [--no-write] (quick iteration: prints the numbers, leaves BENCHMARKS.md)
import { mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { createClient, httpTransport } from '../shared/client.ts';
import { openStudyStorage } from '../electron/core/studies/optunaSqliteStorage.ts';
import { Rng } from '../electron/core/search/rng.ts';
import type { Distribution } from '../electron/core/search/types.ts';
import type { BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, ensureRendererBuilt, launchChromium, startServe } from '../e2e/browser/support.ts';
import { machineLine, mdTable, writeBenchSection } from './benchSupport.ts';

const { values: args } = parseArgs({ options: { loads: { type: 'string', default: '5' }, 'no-write': { type: 'boolean', default: false } } });
const TRIALS = 10_000;
const LOADS = Number(args.loads);
if (!Number.isInteger(LOADS) || LOADS < 1) throw new Error(`--loads: '${args.loads}' is not a whole number of page loads of at least 1`);

const DISTS: Record<string, Distribution> = {
  learning_rate: { kind: 'float', low: 1e-5, high: 5e-5, step: null, log: true },
  batch_size: { kind: 'categorical', choices: [8, 16, 32] },
  dropout: { kind: 'float', low: 0.1, high: 0.3, step: 0.05, log: false },
  epochs: { kind: 'int', low: 2, high: 10, step: 2, log: false },
  warmup_steps: { kind: 'int', low: 10, high: 1000, step: 1, log: true },
};

function makeStudy(file: string): number {
  const t0 = performance.now();
  const s = openStudyStorage(file, { create: true, runner: true });
  // Seeded, so every run writes the same study.
  const rng = new Rng(42);
  const r = (): number => rng.random();
  const { studyId } = s.createStudy('bench_10k', ['maximize']);
  const write = (): void => {
    for (let i = 0; i < TRIALS; i++) {
      const lr = Math.exp(Math.log(1e-5) + r() * (Math.log(5e-5) - Math.log(1e-5)));
      const batch = [8, 16, 32][Math.floor(r() * 3)]!;
      const dropout = 0.1 + Math.round(r() * 4) * 0.05;
      const epochs = 2 + 2 * Math.floor(r() * 5);
      const warmup = Math.round(Math.exp(Math.log(10) + r() * (Math.log(1000) - Math.log(10))));
      const params = {
        learning_rate: { value: lr, distribution: DISTS.learning_rate! },
        batch_size: { value: batch, distribution: DISTS.batch_size! },
        dropout: { value: dropout, distribution: DISTS.dropout! },
        epochs: { value: epochs, distribution: DISTS.epochs! },
        warmup_steps: { value: warmup, distribution: DISTS.warmup_steps! },
      };
      const { trialId } = s.createTrial(studyId, { params });
      const quality = 0.9 - Math.abs(Math.log10(lr) + 4.6) * 0.3 - Math.abs(dropout - 0.15) + r() * 0.1;
      const steps = 3;
      for (let k = 0; k < steps; k++) s.reportIntermediate(trialId, k, quality * ((k + 1) / steps));
      const u = r();
      if (u < 0.02) s.finishTrial(trialId, 'FAIL');
      else if (u < 0.12) s.finishTrial(trialId, 'PRUNED', quality * 0.5);
      else s.finishTrial(trialId, 'COMPLETE', quality);
    }
  };
  if (s.runInWriteTransaction) s.runInWriteTransaction(write);
  else write();
  s.close();
  return performance.now() - t0;
}

const pct = (xs: number[], p: number): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const median = (xs: number[]): number => pct(xs, 50);
const ms = (x: number): string => `${x.toFixed(0)} ms`;
// Frame times are whole vsync intervals (16.7 ms), so 50.0 is two missed vsyncs: one decimal shows it.
const ms1 = (x: number): string => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) {
    console.error(`render bench: ${missing}`);
    process.exitCode = 1;
    return;
  }
  ensureRendererBuilt();
  const loadAtStart = os.loadavg().map((x) => x.toFixed(1)).join(', ');
  const work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-renderbench-'));
  const studyFile = path.join(work, 'study.db');
  const writeMs = makeStudy(studyFile);
  console.log(`wrote ${TRIALS} trials in ${ms(writeMs)}`);
  const host = await startServe(path.join(work, 'data'), work, ['--no-example']);
  const api = createClient(httpTransport(host.origin, host.token));
  const browser = await launchChromium();
  try {
    const opened = await api.get('sweeps.openStudyFile', { path: studyFile });
    const id = opened.sweeps[0]!.id;
    // The size of what the page fetches, for the record.
    const t0 = performance.now();
    const trials = await api.get('sweeps.trials', { id });
    const apiMs = performance.now() - t0;
    if (trials.total !== TRIALS) throw new Error(`expected ${TRIALS} trials, the host has ${trials.total}`);

    type Load = { table: number; history: number; data: number; app: number; trialsFetch: number | null; fetchStart: number | null; bytes: number };
    const marksOf = (page: Page, from: number): Promise<Load> =>
      page.evaluate((from) => {
        const at = (n: string) => (performance.getEntriesByName(n)[0]?.startTime ?? NaN) - from;
        const fetchEntry = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/sweeps.trialColumns')) as PerformanceResourceTiming | undefined;
        return { table: at('trials-table-drawn'), history: at('history-chart-drawn'), data: at('trials-data'), app: at('app-start'), trialsFetch: fetchEntry ? fetchEntry.responseEnd - fetchEntry.startTime : null, fetchStart: fetchEntry ? fetchEntry.startTime - from : null, bytes: fetchEntry?.encodedBodySize ?? NaN };
      }, from);
    const bothDrawn = (page: Page) => page.waitForFunction(() => performance.getEntriesByName('trials-table-drawn').length > 0 && performance.getEntriesByName('history-chart-drawn').length > 0, null, { timeout: 30_000 });
    const newPage = async (): Promise<{ ctx: BrowserContext; page: Page }> => {
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      // tsx (esbuild keepNames) wraps named functions in __name(); the page has no such helper.
      await ctx.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      return { ctx, page: await ctx.newPage() };
    };
    type Scroll = { deltas: number[]; end: number; max: number; rowsInDom: number };
    const scroll = (page: Page, pxPerFrame: number, frames: number): Promise<Scroll> =>
      page.evaluate(
        async ({ pxPerFrame, frames }) => {
          const el = document.querySelector<HTMLElement>('[data-testid="trials-scroll"]');
          if (!el) throw new Error('no trials table on the page');
          el.scrollIntoView();
          el.scrollTop = 0;
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const deltas: number[] = [];
          let last = performance.now();
          let rowsSeen = 0;
          await new Promise<void>((done) => {
            let n = 0;
            const step = (ts: number): void => {
              if (n > 0) deltas.push(ts - last);
              last = ts;
              el.scrollTop += pxPerFrame;
              rowsSeen = Math.max(rowsSeen, el.querySelectorAll('[role="row"]').length);
              if (++n <= frames) requestAnimationFrame(step);
              else done();
            };
            requestAnimationFrame(step);
          });
          return { deltas, end: el.scrollTop, max: el.scrollHeight - el.clientHeight, rowsInDom: rowsSeen };
        },
        { pxPerFrame, frames },
      );
    const studyUrl = `${host.url}#/sweep/${encodeURIComponent(id)}`;
    const log = (label: string, i: number, m: Load) =>
      console.log(`${label} ${i + 1}: table ${ms(m.table)}, history ${ms(m.history)}, rows decoded ${ms(m.data)}, app script started ${ms(m.app)}, trials fetch ${m.trialsFetch === null ? '?' : `${ms(m.trialsFetch)} from ${ms(m.fetchStart ?? NaN)}`}`);

    // (1) Cold page load of the study's address in a window that is already open. Each load gets a
    // new browser context (no HTTP cache, no compiled-code cache, a new renderer). Its window is
    // opened on about:blank and left for WINDOW_SETTLE_MS first: opening a window in headless
    // Chromium 156 also builds the browser's own address-bar popup, a WebUI page in another renderer
    // that keeps one of this machine's two cores busy for ~1.4 s (traced); that is the browser's
    // window start-up, not the page's load, and Electron has no address bar.
    const WINDOW_SETTLE_MS = 3000;
    const settledPage = async (): Promise<{ ctx: BrowserContext; page: Page }> => {
      const opened = await newPage();
      await opened.page.goto('about:blank');
      await opened.page.waitForTimeout(WINDOW_SETTLE_MS);
      return opened;
    };
    /** One cold load of the study's address in the page `open` gives, up to both marks. */
    const coldLoad = async (open: () => Promise<{ ctx: BrowserContext; page: Page }>, label: string, i: number) => {
      const { ctx, page } = await open();
      await page.goto(studyUrl);
      await bothDrawn(page);
      const m = await marksOf(page, 0);
      log(label, i, m);
      return { ctx, page, m };
    };
    const loads: Load[] = [];
    let scrolls: { steady: Scroll; fast: Scroll } | null = null;
    for (let i = 0; i < LOADS; i++) {
      const { ctx, page, m } = await coldLoad(settledPage, 'load', i);
      loads.push(m);
      // Scroll the last page's table right after its first draw: steady (about 4 rows a frame) and
      // fast (a screenful a frame).
      if (i === LOADS - 1) scrolls = { steady: await scroll(page, 128, 600), fast: await scroll(page, 1600, 200) };
      await ctx.close();
    }
    // (2) The same, with the window opened and the study's address loaded at once (what this
    // section measured before 2026-11-26 15:00): Chromium's window start-up shares the cores.
    const withWindow: Load[] = [];
    for (let i = 0; i < LOADS; i++) {
      const { ctx, m } = await coldLoad(newPage, 'new window', i);
      withWindow.push(m);
      await ctx.close();
    }
    // (3) Opening the study inside the running app: the page shows the sweep list, then its Open link
    // is clicked; times count from the click.
    const inApp: Load[] = [];
    for (let i = 0; i < LOADS; i++) {
      const { ctx, page } = await settledPage();
      await page.goto(host.url);
      const open = page.getByRole('link', { name: 'Open bench_10k' });
      await open.waitFor({ timeout: 30_000 });
      // Let the list's own requests and first paints finish.
      await page.waitForTimeout(1500);
      const from = await open.evaluate((el: HTMLElement) => {
        const t = performance.now();
        el.click();
        return t;
      });
      await bothDrawn(page);
      const m = await marksOf(page, from);
      inApp.push(m);
      log('in app', i, m);
      await ctx.close();
    }
    const { steady, fast } = scrolls!;
    const row = (label: string, s: Scroll) => [
      label,
      s.deltas.length,
      ms1(median(s.deltas)),
      ms1(pct(s.deltas, 95)),
      ms1(Math.max(...s.deltas)),
      s.deltas.filter((d) => d > 50).length,
      s.deltas.flatMap((d, i) => (d > 50 ? [`#${i + 1}`] : [])).slice(0, 8).join(' ') || '—',
      s.rowsInDom,
    ];
    const stat = (label: string, xs: number[]) => [label, ms(median(xs)), ms(Math.min(...xs)), ms(Math.max(...xs))];
    const both = (ls: Load[]) => ls.map((l) => Math.max(l.table, l.history));
    const firstDraw = (ls: Load[]) => [
      stat('trials table drawn', ls.map((l) => l.table)),
      stat('history chart drawn', ls.map((l) => l.history)),
      stat('both drawn', both(ls)),
      stat('rows arrived and decoded', ls.map((l) => l.data)),
    ];
    const fetches = loads.map((l) => l.trialsFetch).filter((x): x is number => x !== null);
    const starts = loads.map((l) => l.fetchStart).filter((x): x is number => x !== null);
    const worstFrame = Math.max(...steady.deltas, ...fast.deltas);
    const load = os.loadavg().map((x) => x.toFixed(1)).join(', ');
    const main = both(loads);
    const md = [
      `### Render: 10,000-trial study in Chromium (\`bench/renderTrials.ts\`)`,
      '',
      machineLine(),
      `Load average during the run (1/5/15 min): ${loadAtStart} at start, ${load} at the end — other work on the machine shares its ${os.cpus().length} cores, which inflates every time below.`,
      `Debian Chromium (${browser.version()}, headless, --disable-gpu) through \`sweepdeck serve\`; viewport 1360×900. Study: ${TRIALS} trials (5 params, 3 intermediate values each; 88% complete, 10% pruned, 2% failed) written with our storage in ${ms(writeMs)}. Before the pages load, \`sweeps.trials\` for all of them took ${ms(apiMs)} from Node: that first read of the study file also warms the host's trial cache, as a study already listed in the app would be. The page asks for \`sweeps.trialColumns\` (the same trials column by column without their intermediate values, ${(median(loads.map((l) => l.bytes)) / 1e6).toFixed(2)} MB of JSON; row objects with them are 3.8 MB): the first page load has the host build that reply, later loads get it reused (the study is unchanged). The intermediate values (30,000, ~0.7 MB) come in \`sweeps.intermediateColumns\`, which the page asks for once the first view has been painted; until this session's commit that split them off, they were part of the first reply (1.8 MB).`,
      '',
      'What the marks mean: `trials-table-drawn` and `history-chart-drawn` are set once the frame that shows them has been painted (a message posted from requestAnimationFrame is handled after that frame\'s layout and paint, and after any task queued before it, such as React\'s passive effects; the table asks for its mark from a layout effect, in the frame that paints its rows). `rows arrived and decoded` is set when the trials have been turned back into rows, before any drawing; `app script started` when the app\'s own script (React, the screens, uPlot) has loaded and begins rendering.',
      '',
      'Where the time goes in a cold load (Chromium traces with the V8 sampling profiler, 2026-11-26, load ~1-2, in a settled window; tracing adds time): the new renderer process has its document committed and parsed at ~100-200 ms; the preload scanner has already asked for `early.js`, the app\'s script (388 KB, parsed on a background thread for ~100 ms) and the stylesheet. `early.js` runs at ~200-230 ms and sends the opened sweep\'s two requests, then sets up number formatting (the first `Intl.NumberFormat` in a fresh renderer: 60-110 ms, which uPlot would otherwise pay when its module starts) while the main thread waits for the app\'s script. The app\'s modules are evaluated at ~360-430 ms. The reply\'s first byte comes ~110 ms after its request (the host sends that cached reply in ~4 ms when measured alone from Node: on two cores the page\'s renderer, Chromium\'s browser process and the host share the CPU) and its last byte at ~480 ms. Then, on the main thread: decoding ~50-100 ms (`JSON.parse` of the then 1.8 MB reply ~20 ms, copying it into 10,000 plain rows with their params and intermediate values ~30 ms, young-generation GC 20-40 ms), the first render and commit with the table and the history chart ~110-190 ms (cold code, ~40 ms of GC, the page\'s first full layout ~20-40 ms), paint ~20 ms. Two changes this session came from that trace: the intermediate values now travel apart (`sweeps.intermediateColumns`, asked for by their chart after the first draw; the first reply went from 1.8 to 1.13 MB), and the page\'s rows now read their fields from the columns instead of being copied (a trial\'s params object is built when first read; the table reads the visible rows\' only). In no-write runs minutes apart at load ~1.5-2, the cold-load median went from 786-852 ms before them to 721 ms after the first and 620 ms after the second; runs minutes apart move by 100-300 ms with the load (see the table below for this run), and `rows arrived and decoded` came down from ~500-540 to ~400-470 ms. Tried and dropped this session: `early.js` inlined into the page (allowed by its hash in the CSP), to send the requests without first fetching `early.js`: the requests still left at ~190-250 ms (most of that time is the new renderer process committing the document), and the median did not move (719 against 721 ms); V8\'s explicit compile hint (`//# allFunctionsCalledOnLoad` on the app\'s script, so every function is compiled while it streams in): median 997 ms against 786 ms without it, minutes apart (the eager compile competes for the same two cores). Earlier sessions\' changes measured against such traces: the columnar reply, requests sent from `early.js` before the app\'s script, one stylesheet, the app imported statically, history points written into a pixel buffer, row decoding without per-cell lookups, the heavier charts and the shell\'s other requests held until after the first draw.',
      '',
      `**First draw, cold page load** (navigation start to the marks), ${LOADS} loads. Each load gets a new browser context: no HTTP cache, no compiled-code cache, a new renderer process. Its window is opened on about:blank and left ${WINDOW_SETTLE_MS / 1000} s before the study's address is loaded, because opening a window in headless Chromium also builds the browser's own address-bar popup (a WebUI page, \`omnibox-popup.top-chrome\`, in another renderer: traced at ~1.4 s of one of the two cores, ~350 \`chrome://\` module requests). That is the browser starting a window, not the page loading; a user's browser window is already open, and Electron has no address bar. The second table is the same load with the window opened at the same moment, as this section measured until 2026-11-26 14:30, so both are on record:`,
      '',
      mdTable(['measure', 'median', 'min', 'max'], [
        ...firstDraw(loads),
        stat('app script (React, screens) loaded and started', loads.map((l) => l.app)),
        ...(starts.length ? [stat('`sweeps.trialColumns` request sent at', starts)] : []),
        ...(fetches.length ? [stat('`sweeps.trialColumns` request, start to last byte', fetches)] : []),
      ]),
      '',
      `**First draw, cold page load in a window opened at the same moment** (Chromium's window start-up, above, runs alongside), ${LOADS} loads:`,
      '',
      mdTable(['measure', 'median', 'min', 'max'], firstDraw(withWindow)),
      '',
      `**Opening the study inside the running app**: a cold page load of the sweep list (new context, window settled as above), 1.5 s for the list to settle, then a click on the sweep's Open link; times count from the click. ${LOADS} opens:`,
      '',
      mdTable(['measure', 'median', 'min', 'max'], firstDraw(inApp)),
      '',
      `**Scrolling** the virtualized trials table by setting scrollTop every animation frame (frame time = requestAnimationFrame delta), on the last cold page load right after its first draw. The heavier charts (intermediate values, parallel coordinates, importance) are drawn after the first draw, one per task, and each waits until neither the page nor the table has scrolled for 150 ms (a position that moved before its scroll event fired counts), so during these passes they wait for the scrolling to stop; so do the importance computation, the drawing of the intermediate values (asked for once the first view has been painted) and the page's other requests (sweep list, tracking status, stores, log tail), which it holds until the table is drawn. The page is scrolled to bring the table into view two frames before the first measured frame:`,
      '',
      mdTable(['pass', 'frames', 'median', 'p95', 'max', 'frames > 50 ms', 'which frames (first 8)', 'rows in DOM (max)'], [row('steady, 128 px/frame', steady), row('fast, 1600 px/frame', fast)]),
      '',
      `Targets: first draw ≤ 1 s — ${median(main) <= 1000 ? 'met' : 'NOT met'} on the cold page load (median ${ms(median(main))}, worst ${ms(Math.max(...main))}); opened in the app: median ${ms(median(both(inApp)))}, worst ${ms(Math.max(...both(inApp)))}; with the window opened at the same moment: median ${ms(median(both(withWindow)))}, worst ${ms(Math.max(...both(withWindow)))}. No frame over 50 ms while scrolling — ${worstFrame <= 50 ? 'met' : 'NOT met'} (worst ${ms1(worstFrame)}).`,
    ].join('\n');
    if (!args['no-write']) writeBenchSection('render-trials', md);
    console.log(md);
  } finally {
    api.close();
    await browser.close();
    await host.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
