// 100,000 trials drawn in a second (issue 12 §3): a large study (6 params, intermediate values on a
// tenth of the trials) written straight into Optuna's schema, then opened in Debian Chromium through
// `sweepdeck serve`, every figure from a host started for it that has never read the study:
//  (a) opened in the app: the sweep list loaded, then a click on the study's Open link, to the trials
//      table and the history chart drawn (the renderer's 'trials-table-drawn' and
//      'history-chart-drawn' marks, set after the frame that paints them);
//  (b) the study's address loaded directly in a new tab right after the host started;
//  (c) sort (Value, a param) and filter (a param range, a state) latency: from the click or the
//      typed value to the first frame painted after the table's first row changed;
//  (d) frame times while the table is scrolled (requestAnimationFrame deltas);
//  (e) the renderer's JS heap (CDP Runtime.getHeapUsage) and the host's resident memory
//      (/proc/PID/status VmRSS, and its peak VmHWM).
// Writes section `big-study` of BENCHMARKS.md (one per --trials value). Run:
//   npx tsx bench/bigStudy.ts [--trials 100000] [--repeat 2] [--no-write] [--cpu-prof DIR]
// --cpu-prof DIR runs the host with node --cpu-prof (profiles in DIR) for finding where time goes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createClient, httpTransport } from '../shared/client.ts';
import { chromiumMissing, ensureRendererBuilt, launchChromium, startServe, type ServedHost } from '../e2e/browser/support.ts';
import { buildCli, machineLine, mdTable, writeBenchSection } from './benchSupport.ts';
import { makeBigStudy } from './bigStudyFixture.ts';

const { values: args } = parseArgs({
  options: { trials: { type: 'string', default: '100000' }, repeat: { type: 'string', default: '2' }, 'no-write': { type: 'boolean', default: false }, 'cpu-prof': { type: 'string' } },
});
const TRIALS = Number(args.trials);
const REPEAT = Number(args.repeat);
if (!Number.isInteger(TRIALS) || TRIALS < 100) throw new Error(`--trials: '${args.trials}' is not a whole number of at least 100`);
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new Error(`--repeat: '${args.repeat}' is not a whole number of at least 1`);

/** Found with the profiles this bench can take (--cpu-prof); kept with its numbers. */
const WHERE_THE_TIME_WENT = 'Where the time went for the 100,000-trial study (CPU profiles of the host, `node --cpu-prof` through `--cpu-prof DIR`, and in-process timings of the host\'s handlers, 2026-12-08 at load 10-15 on the 2 cores, so proportions only): before this change a cold read of this study in the host took ~5.4 s in `getTrials` (a FrozenTrial per trial from ~600,000 param rows and 100,000 trial rows; 2 s of it GC), ~0.67 s checking the reply against the contract element by element, ~0.14 s encoding it, 610 MB resident; `sweeps.get` read every trial again for the distributions, and `sweeps.trialAttrs` / `sweeps.trialLog` (asked for right after the first draw, for the picked trial) read the whole study to find one trial. Now the trial columns are read straight with SQL (`electron/core/studies/studyColumnsSql.ts`: one scan per child table, SQLite folding each column into one text that JavaScript parses at once): ~1.5 s of SQLite and ~0.5 s of parsing at that load, measured against 5.4 + 0.67 s for the old path at the same load; the contract check is one loop per column (~20-90 ms); the distributions and a single trial are read without the other trials; the host stays under 300 MB. What is left on the way to the first draw: the SQLite scans (the largest part), encoding and sending the 14 MB JSON reply, then in the page parsing it (~0.3-0.5 s at that load) and the first render. Since then (CPU time, at load 7-11 on the 2 cores, so relative only): the columns travel as a binary columns body (`shared/columnsWire.ts`: typed arrays, ~9 MB for this study instead of 14 MB of JSON; the host encodes it in ~40-130 ms of CPU against ~110-230 ms for the JSON, the page decodes it in ~15-55 ms against ~75-140 ms of JSON.parse), and the SQL read costs less (the trials\' datetimes parsed by position in JavaScript instead of SQLite\'s strftime: that query ~140 to ~45 ms; a param row\'s trial and name as one integer): ~650-740 ms of CPU per cold read before, ~630-730 after, SQLite\'s scan of trial_params (~270 ms) now the largest single part. Then the trial_params scan moved to a worker thread with its own connection (`electron/app/paramScanThread.ts`, for studies of 20,000 to 300,000 trials): ~345-365 ms of CPU on each thread instead of ~640 on one (helper\'s measure at load 2-5). A CPU profile of a host at ee26534 on the quiet machine, two cold `sweeps.trialColumns` reads of this study, gives per read roughly: the main thread\'s own SQL scans ~135 ms, its share of trial_params ~150 ms, waiting for the worker\'s share ~110 ms, user attrs ~45 ms, distributions ~50 ms, parsing ~100 ms; the request took 0.8-1.1 s from start to last byte (JSON, from Node). The open in the app also waits for `sweeps.get`, asked at the same time on the same thread (~200-250 ms).';

const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : '—');
const ms1 = (x: number): string => `${x.toFixed(1)} ms`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const pct = (xs: readonly number[], p: number): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const median = (xs: readonly number[]): number => pct(xs, 50);
const load = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(', ');

/** The host's resident and peak resident memory, from /proc. */
function hostMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

type Marks = { table: number; history: number; data: number; fetchMs: number | null; bytes: number };
const marksOf = (page: Page, from: number): Promise<Marks> =>
  page.evaluate((from) => {
    const at = (n: string): number => (performance.getEntriesByName(n)[0]?.startTime ?? NaN) - from;
    const f = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/sweeps.trialColumns')) as PerformanceResourceTiming | undefined;
    return { table: at('trials-table-drawn'), history: at('history-chart-drawn'), data: at('trials-data'), fetchMs: f ? f.responseEnd - f.startTime : null, bytes: f?.encodedBodySize ?? NaN };
  }, from);
const bothDrawn = (page: Page): Promise<unknown> =>
  page.waitForFunction(() => performance.getEntriesByName('trials-table-drawn').length > 0 && performance.getEntriesByName('history-chart-drawn').length > 0, null, { timeout: 180_000, polling: 50 });

/** In the page: runs `act` (a click or typed value, given as a script) and resolves with the ms to
 * the first frame painted after the table's first row changed. */
const TIMED_CHANGE = `async (act) => {
  const first = () => document.querySelector('[data-testid="trials-scroll"] [role="row"]')?.getAttribute('aria-label') ?? '';
  const count = () => document.querySelector('[role="table"][aria-label="Trials"]')?.getAttribute('aria-rowcount') ?? '';
  const before = first() + '|' + count();
  const t0 = performance.now();
  (0, eval)(act);
  return await new Promise((resolve, reject) => {
    const limit = t0 + 30000;
    const tick = () => {
      if (first() + '|' + count() !== before) {
        // A task posted from the next frame runs after that frame's paint.
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
      } else if (performance.now() > limit) reject(new Error('the table did not change within 30 s'));
      else requestAnimationFrame(tick);
    };
    tick();
  });
}`;

type Scroll = { deltas: number[]; rows: number };
const scrollTable = (page: Page, pxPerFrame: number, frames: number): Promise<Scroll> =>
  page.evaluate(
    async ({ pxPerFrame, frames }) => {
      const el = document.querySelector<HTMLElement>('[data-testid="trials-scroll"]');
      if (!el) throw new Error('no trials table on the page');
      el.scrollIntoView();
      el.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const deltas: number[] = [];
      let last = performance.now();
      let rows = 0;
      await new Promise<void>((done) => {
        let n = 0;
        const step = (ts: number): void => {
          if (n > 0) deltas.push(ts - last);
          last = ts;
          el.scrollTop += pxPerFrame;
          rows = Math.max(rows, el.querySelectorAll('[role="row"]').length);
          if (++n <= frames) requestAnimationFrame(step);
          else done();
        };
        requestAnimationFrame(step);
      });
      return { deltas, rows };
    },
    { pxPerFrame, frames },
  );

/** Stops a host; one still busy 15 s after SIGTERM is killed and said so (not a bench failure). */
async function stopHost(host: ServedHost): Promise<void> {
  await host.stop().catch((e: unknown) => console.log(`host stop: ${String(e).split('\n')[0]}`));
}

async function settledPage(browser: Browser): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  // tsx (esbuild keepNames) wraps named functions in __name(); the page has no such helper.
  await ctx.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  const page = await ctx.newPage();
  // Opening a window in headless Chromium builds its own address-bar popup for ~1.4 s of a core
  // (what the earlier render bench found): let that pass before the measured load.
  await page.goto('about:blank');
  await page.waitForTimeout(3000);
  return { ctx, page };
}

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) {
    console.error(`big-study bench: ${missing}`);
    process.exitCode = 1;
    return;
  }
  ensureRendererBuilt();
  // The host as `npm ci` leaves it: prebuilt JavaScript (dist/cli), not TypeScript transpiled as it
  // loads (which bin/sweepdeck.js falls back to when dist/cli is stale).
  buildCli();
  const loadAtStart = load();
  const work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bigstudy-'));
  const studyFile = path.join(work, 'study.db');
  const dataDir = path.join(work, 'data');
  const study = makeBigStudy(studyFile, TRIALS);
  console.log(`wrote ${TRIALS} trials in ${ms(study.writeMs)}`);
  const nodeArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`] : [];
  const fresh = (): Promise<ServedHost> => startServe(dataDir, work, ['--no-example'], {}, nodeArgs);
  // Register the study once, in a host that is then stopped: every measured host starts without
  // having read it.
  {
    const host = await fresh();
    const api = createClient(httpTransport(host.origin, host.token));
    await api.get('sweeps.openStudyFile', { path: studyFile });
    api.close();
    await host.stop();
  }
  const browser = await launchChromium();
  const inApp: Marks[] = [];
  const direct: Marks[] = [];
  const sorts: Record<string, number[]> = {};
  let scrolls: { steady: Scroll; fast: Scroll } | null = null;
  let memory: { heapUsed: number; heapTotal: number; hostRss: number; hostPeak: number } | null = null;
  let sampleNote = '';
  try {
    for (let i = 0; i < REPEAT; i++) {
      // (a) In the app: the sweep list, then the study's Open link; times from the click.
      let host = await fresh();
      let { ctx, page } = await settledPage(browser);
      await page.goto(host.url);
      const open = page.getByRole('link', { name: `Open ${study.studyName}` });
      await open.waitFor({ timeout: 60_000 });
      await page.waitForTimeout(1500);
      const from = await open.evaluate((el: HTMLElement) => {
        const t = performance.now();
        el.click();
        return t;
      });
      await bothDrawn(page);
      const a = await marksOf(page, from);
      inApp.push(a);
      console.log(`in app ${i + 1}: table ${ms(a.table)}, history ${ms(a.history)}, decoded ${ms(a.data)}, fetch ${ms(a.fetchMs ?? NaN)} (${mb(a.bytes)})`);
      const hash = new URL(page.url()).hash;
      await ctx.close();
      await stopHost(host);

      // (b) A direct load of the study's address right after the host started.
      host = await fresh();
      ({ ctx, page } = await settledPage(browser));
      await page.goto(`${host.url}${hash}`);
      await bothDrawn(page);
      const b = await marksOf(page, 0);
      direct.push(b);
      console.log(`direct ${i + 1}: table ${ms(b.table)}, history ${ms(b.history)}, decoded ${ms(b.data)}, fetch ${ms(b.fetchMs ?? NaN)}`);

      if (i === REPEAT - 1) {
        // (c) Sort and filter on the table just drawn; then (d) scrolling; then (e) memory.
        await page.waitForTimeout(2000);
        const timed = async (label: string, act: string): Promise<void> => {
          const t = (await page.evaluate(`(${TIMED_CHANGE})(${JSON.stringify(act)})`)) as number;
          (sorts[label] ??= []).push(t);
          console.log(`${label}: ${ms(t)}`);
        };
        const clickHeader = (name: string): string => `[...document.querySelectorAll('[role="columnheader"] button')].find((b) => b.textContent.replace(/[▲▼ ]/g, '') === ${JSON.stringify(name)}).click()`;
        for (let k = 0; k < 3; k++) {
          await timed('sort by value', clickHeader('Value'));
          await timed('sort by value (reversed)', clickHeader('Value'));
          await timed('sort by a param (learning_rate)', clickHeader('learning_rate'));
          await timed('sort by #', clickHeader('#'));
        }
        const setInput = (label: string, value: string): string =>
          `(() => { const el = document.querySelector(${JSON.stringify(`[aria-label="${label}"]`)}); if (!el) throw new Error('no filter field ${label}'); const set = Object.getOwnPropertyDescriptor(el.constructor.prototype, 'value').set; set.call(el, ${JSON.stringify(value)}); el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true })); })()`;
        if (await page.locator('[aria-label="Filter learning_rate from"]').count()) {
          for (let k = 0; k < 3; k++) {
            await timed('filter: a param range (learning_rate ≥ 0.001)', setInput('Filter learning_rate from', '0.001'));
            await timed('filter: + state COMPLETE', setInput('Filter state', 'COMPLETE'));
            await timed('filter: + user attr gpu = gpu-1', setInput('Filter user attr gpu', 'gpu-1'));
            await timed('filters cleared', `[...document.querySelectorAll('button')].find((b) => b.textContent === 'Clear filters').click()`);
          }
        } else console.log('no filter fields on the page: filter latency not measured');
        scrolls = { steady: await scrollTable(page, 128, 300), fast: await scrollTable(page, 1600, 120) };
        const cdp = await ctx.newCDPSession(page);
        await cdp.send('HeapProfiler.collectGarbage');
        const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
        const hm = hostMemory(host.proc.pid!);
        memory = { heapUsed: heap.usedSize, heapTotal: heap.totalSize, hostRss: hm.rss, hostPeak: hm.peak };
        console.log(`renderer heap ${mb(heap.usedSize)} used of ${mb(heap.totalSize)}; host RSS ${mb(hm.rss)}, peak ${mb(hm.peak)}`);
        sampleNote = (await page.locator('.history-sample-note, [data-testid="history-note"]').allTextContents()).join(' ').trim();
      }
      await ctx.close();
      await stopHost(host);
    }
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
  const both = (xs: readonly Marks[]): number[] => xs.map((m) => Math.max(m.table, m.history));
  const stat = (label: string, xs: readonly number[]) => [label, ms(median(xs)), ms(Math.min(...xs)), ms(Math.max(...xs))];
  const drawRows = (xs: readonly Marks[]) => [
    stat('trials table drawn', xs.map((m) => m.table)),
    stat('history chart drawn', xs.map((m) => m.history)),
    stat('both drawn', both(xs)),
    stat('trials arrived and decoded', xs.map((m) => m.data)),
    stat('`sweeps.trialColumns` request, start to last byte', xs.map((m) => m.fetchMs ?? NaN)),
  ];
  const { steady, fast } = scrolls!;
  const frameRow = (label: string, s: Scroll) => [label, s.deltas.length, ms1(median(s.deltas)), ms1(pct(s.deltas, 95)), ms1(Math.max(...s.deltas)), s.deltas.filter((d) => d > 17.5).length, s.rows];
  const worstFrame = Math.max(...steady.deltas, ...fast.deltas);
  const m = memory!;
  const target = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const aMax = Math.max(...both(inApp));
  const bMax = Math.max(...both(direct));
  const sortMax = Math.max(...Object.values(sorts).flat());
  const md = [
    `### ${TRIALS.toLocaleString('en-US')} trials (\`bench/bigStudy.ts --trials ${TRIALS}\`)`,
    '',
    machineLine(),
    `Load average (1/5/15 min): ${loadAtStart} at start, ${load()} at the end. Other work shares the ${os.cpus().length} cores: figures measured with other jobs running are not final.`,
    `Study: ${TRIALS.toLocaleString('en-US')} trials, 6 params (log float, categorical ×2, float, int, log int), intermediate values (3 steps) on every tenth, a user attr on each, ~10% pruned, ~2% failed; written straight into Optuna's schema in ${ms(study.writeMs)}. Debian Chromium (${browser.version()}, headless, --disable-gpu), viewport 1360×900, through \`sweepdeck serve\`. **Every host is started for its measurement and has never read the study** (it was registered by an earlier host, since stopped); each page is a new browser context (no HTTP or code cache) in a window left 3 s on about:blank first.`,
    '',
    WHERE_THE_TIME_WENT,
    '',
    `**(a) Opened in the app** (sweep list loaded, 1.5 s to settle, then a click on the study's Open link; from the click), ${REPEAT} opens, each in a new host; the trial columns reply was ${mb(median(inApp.map((d) => d.bytes)))}:`,
    '',
    mdTable(['measure', 'median', 'min', 'max'], drawRows(inApp)),
    '',
    `**(b) Direct page load of the study's address right after the host started** (from navigation start), ${REPEAT} loads, each in a new host; the trial columns reply (a binary columns body, \`shared/columnsWire.ts\`) was ${mb(median(direct.map((d) => d.bytes)))}:`,
    '',
    mdTable(['measure', 'median', 'min', 'max'], drawRows(direct)),
    '',
    `**(c) Sort and filter** on the last direct load's table (from the click or the typed value to the first frame painted after the table's first row or row count changed):`,
    '',
    mdTable(
      ['action', 'times', 'median', 'max'],
      Object.entries(sorts).map(([k, xs]) => [k, xs.length, ms(median(xs)), ms(Math.max(...xs))]),
    ),
    '',
    `**(d) Scrolling** the table (scrollTop set every animation frame; frame time = requestAnimationFrame delta), right after (c):`,
    '',
    mdTable(['pass', 'frames', 'median', 'p95', 'max', 'frames > 17.5 ms', 'rows in DOM (max)'], [frameRow('steady, 128 px/frame', steady), frameRow('fast, 1600 px/frame', fast)]),
    '',
    `**(e) Memory** with the study open after (c) and (d): renderer JS heap ${mb(m.heapUsed)} used (${mb(m.heapTotal)} reserved) after a forced GC; host resident ${mb(m.hostRss)}, peak ${mb(m.hostPeak)}.${sampleNote ? ` The history chart says: “${sampleNote}”.` : ''}`,
    '',
    `Targets: opened in the app within 1 s: ${target(aMax <= 1000)} (worst ${ms(aMax)}); direct load within 2 s: ${target(bMax <= 2000)} (worst ${ms(bMax)}); sort or filter within 100 ms: ${target(sortMax <= 100)} (worst ${ms(sortMax)}); every scroll frame under 16.7 ms: ${target(worstFrame < 17.5)} (worst ${ms1(worstFrame)}; a delta is a whole number of vsyncs, so 16.7 ± jitter counts as one frame); renderer heap under 300 MB: ${target(m.heapUsed < 300e6)}; host under 400 MB resident: ${target(m.hostPeak < 400e6)} (peak).`,
  ].join('\n');
  if (!args['no-write']) writeBenchSection(`big-study-${TRIALS}`, md);
  console.log(md);
}

await main();
