// Live updates without refetching (issue 12 §4): a study already holding 100,000 trials is open in
// Debian Chromium through `sweepdeck serve` while another process adds trials to it at 50 a second
// (one transaction each, straight into Optuna's schema, as a fast sweep would). Measured in the page:
// the bytes of every trial reply after the first draw (sweeps.trialColumns and
// sweeps.intermediateColumns, which the page asks for with `since` once it holds the trials) per
// second, against the size of the whole study's first reply; and the animation-frame deltas during
// the run: frames over 50 ms, per second. Writes section `live-updates` of BENCHMARKS.md. Run:
//   npx tsx bench/liveUpdates.ts [--trials 100000] [--seconds 20] [--no-write] [--cpu-profile FILE] [--view VIEW]
// --view opens another analysis view than History (its id in the address: parallel, slice, contour,
// edf, rank, timeline, ...), to see what that view costs on each update.
// --cpu-profile writes the page's CPU profile over the run (Chrome DevTools protocol) to FILE, to
// find what the long frames spend their time on (open it in DevTools, or bench/longTasks.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createClient, httpTransport } from '../shared/client.ts';
import { chromiumMissing, ensureRendererBuilt, launchChromium, startServe } from '../e2e/browser/support.ts';
import { buildCli, machineLine, mdTable, writeBenchSection } from './benchSupport.ts';
import { insertTrials, makeBigStudy } from './bigStudyFixture.ts';

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '100000' }, seconds: { type: 'string', default: '20' }, 'no-write': { type: 'boolean', default: false }, 'cpu-profile': { type: 'string' }, view: { type: 'string' } } });
const TRIALS = Number(args.trials);
const SECONDS = Number(args.seconds);
const RATE = 50;
if (!Number.isInteger(TRIALS) || TRIALS < 100) throw new Error(`--trials: '${args.trials}' is not a whole number of at least 100`);
if (!Number.isInteger(SECONDS) || SECONDS < 2) throw new Error(`--seconds: '${args.seconds}' is not a whole number of at least 2`);

const kb = (b: number): string => `${(b / 1e3).toFixed(1)} kB`;
const load = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(', ');

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) {
    console.error(`live-updates bench: ${missing}`);
    process.exitCode = 1;
    return;
  }
  ensureRendererBuilt();
  buildCli();
  const loadAtStart = load();
  const work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-live-'));
  const studyFile = path.join(work, 'study.db');
  const study = makeBigStudy(studyFile, TRIALS);
  const host = await startServe(path.join(work, 'data'), work, ['--no-example']);
  const api = createClient(httpTransport(host.origin, host.token));
  const browser = await launchChromium();
  try {
    const id = (await api.get('sweeps.openStudyFile', { path: studyFile })).sweeps[0]!.id;
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    await ctx.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    const page = await ctx.newPage();
    // A failing update says why here (the figures would otherwise just show no trials arriving).
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.log(`page ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await page.goto(`${host.url}#/sweep/${encodeURIComponent(id)}${args.view ? `/${args.view}` : ''}`);
    await page.waitForFunction(() => performance.getEntriesByName('trials-table-drawn').length > 0, null, { timeout: 180_000, polling: 100 });
    // Let the views drawn after the first one and the intermediate values settle.
    await page.waitForTimeout(5000);
    const firstBytes = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => /\/api\/sweeps\.(trialColumns|intermediateColumns)$/.test(e.name))
        .reduce((a, e) => a + (e as PerformanceResourceTiming).encodedBodySize, 0),
    );
    // In the page: frame deltas and reply bytes from now on.
    await page.evaluate(() => {
      const w = window as unknown as { __live: { t0: number; frames: Array<[number, number]>; stop: boolean } };
      w.__live = { t0: performance.now(), frames: [], stop: false };
      performance.clearResourceTimings();
      performance.setResourceTimingBufferSize(100_000);
      let last = performance.now();
      const tick = (ts: number): void => {
        w.__live.frames.push([ts - w.__live.t0, ts - last]);
        last = ts;
        if (!w.__live.stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const cdp = args['cpu-profile'] ? await ctx.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    // The writer: RATE trials a second, one transaction each, as another process would.
    const db = new Database(studyFile);
    db.pragma('busy_timeout = 5000');
    const studyId = (db.prepare('SELECT study_id FROM studies WHERE study_name = ?').get(study.studyName) as { study_id: number }).study_id;
    const t0 = Date.now();
    let written = 0;
    while (Date.now() - t0 < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
      for (; written < due; written++) insertTrials(db, studyId, TRIALS + written, 1, 1000 + written, Date.UTC(2026, 1, 1));
      await new Promise((r) => setTimeout(r, 5));
    }
    db.close();
    await page.waitForTimeout(3000);
    const seen = await page.evaluate(() => {
      const w = window as unknown as { __live: { t0: number; frames: Array<[number, number]>; stop: boolean } };
      w.__live.stop = true;
      const replies = performance
        .getEntriesByType('resource')
        .filter((e) => /\/api\/sweeps\.(trialColumns|intermediateColumns)$/.test(e.name))
        .map((e) => [e.startTime - w.__live.t0, (e as PerformanceResourceTiming).encodedBodySize] as [number, number]);
      const rowCount = document.querySelector('[role="table"][aria-label="Trials"]')?.getAttribute('aria-rowcount');
      return { frames: w.__live.frames, replies, rowCount: Number(rowCount) - 1 };
    });
    if (cdp && args['cpu-profile']) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(args['cpu-profile'], JSON.stringify(profile));
      console.log(`page CPU profile: ${args['cpu-profile']}`);
    }
    const runMs = SECONDS * 1000;
    const inRun = seen.replies.filter(([t]) => t <= runMs + 3000);
    const bytes = inRun.reduce((a, [, b]) => a + b, 0);
    const perSecond = bytes / (SECONDS + 3);
    const bySecond = new Map<number, number>();
    for (const [t, d] of seen.frames) if (d > 50) bySecond.set(Math.floor(t / 1000), (bySecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    const slow = seen.frames.filter(([, d]) => d > 50);
    const worst = Math.max(...seen.frames.map(([, d]) => d));
    console.log(`written ${written}, table shows ${seen.rowCount}; ${inRun.length} replies, ${kb(bytes)} (${kb(perSecond)}/s); first reply(s) ${kb(firstBytes)}; frames > 50 ms: ${slow.length}, worst ${worst.toFixed(1)} ms`);
    // Whether the long frames fall on updates: when each came, and when each reply started.
    console.log(`long frames at (s, ms): ${slow.map(([t, d]) => `${(t / 1000).toFixed(2)} ${d.toFixed(0)}`).join('; ') || 'none'}; replies at (s, kB): ${inRun.map(([t, b]) => `${(t / 1000).toFixed(2)} ${(b / 1e3).toFixed(1)}`).join('; ')}`);
    const md = [
      `### Live updates: ${RATE} trials/s into a ${TRIALS.toLocaleString('en-US')}-trial study (\`bench/liveUpdates.ts\`)${args.view ? `, the ${args.view} view open` : ''}`,
      '',
      machineLine(),
      `Load average (1/5/15 min): ${loadAtStart} at start, ${load()} at the end. Other work shares the ${os.cpus().length} cores: figures measured with other jobs running are not final.`,
      `The study's page open in Debian Chromium (headless, 1360×900) through \`sweepdeck serve\`, its first draw done; then another process adds ${written} trials in ${SECONDS} s (one transaction each, straight into Optuna's schema; 6 params, a tenth with intermediate values). Counted over the ${SECONDS} s and 3 s after: replies of \`sweeps.trialColumns\` and \`sweeps.intermediateColumns\` (the page asks with \`since\` for what it lacks), and requestAnimationFrame deltas. The table showed ${seen.rowCount.toLocaleString('en-US')} trials at the end (${(TRIALS + written).toLocaleString('en-US')} in the study).`,
      '',
      mdTable(
        ['measure', 'result'],
        [
          ['the whole study, first replies (trials + intermediate values)', kb(firstBytes)],
          ['trial replies during the run', `${inRun.length} (${kb(bytes)})`],
          ['bytes per second to the page', `${kb(perSecond)}/s (${((perSecond / firstBytes) * 100).toFixed(2)}% of the study's size a second)`],
          ['frames', seen.frames.length],
          ['frames over 50 ms', `${slow.length} (in ${bySecond.size} of ${SECONDS + 3} seconds)`],
          ['worst frame', `${worst.toFixed(1)} ms`],
        ],
      ),
      '',
      `Targets: only changed trials cross the boundary: ${perSecond < firstBytes / 20 ? 'met' : 'NOT met'} (${kb(perSecond)}/s against ${kb(firstBytes)} for the study); no frame over 50 ms in any second: ${slow.length === 0 ? 'met' : 'NOT met'}.`,
    ].join('\n');
    if (!args['no-write']) writeBenchSection('live-updates', md);
    console.log(md);
    await ctx.close();
  } finally {
    api.close();
    await browser.close();
    await host.stop().catch((e: unknown) => console.log(`host stop: ${String(e).split('\n')[0]}`));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
