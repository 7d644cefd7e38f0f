// Sampling cost per trial (no storage) for our samplers at growing history sizes, on the 7-param
// space of the Optuna timing notes (5 floats, an int on a log scale, a 3-way categorical).
// Run: npx tsx bench/samplerSpeed.ts    Writes the `sampler-speed` section of BENCHMARKS.md.
import os from 'node:os';
import { GridSampler } from '../electron/core/search/samplers/grid.ts';
import { RandomSampler } from '../electron/core/search/samplers/random.ts';
import { TpeSampler } from '../electron/core/search/samplers/tpe.ts';
import type { Distribution, FrozenTrial, ParamValue, Sampler, SearchSpace } from '../electron/core/search/types.ts';
import { machineLine, mdTable, writeBenchSection } from './benchSupport.ts';

const SPACE: SearchSpace = new Map<string, Distribution>([
  ...[0, 1, 2, 3, 4].map((i): [string, Distribution] => [`x${i}`, { kind: 'float', low: -10, high: 10, step: null, log: false }]),
  ['n', { kind: 'int', low: 1, high: 100, step: 1, log: true }],
  ['c', { kind: 'categorical', choices: ['a', 'b', 'c'] }],
]);
const objective = (p: Record<string, ParamValue>) =>
  [0, 1, 2, 3, 4].reduce((s, i) => s + (p[`x${i}`] as number) ** 2, 0) + Math.log(p.n as number) + (p.c === 'b' ? 0 : 1);

const SIZES = [100, 500, 1000];
const REPS = 100;

/** Grows a history with the sampler itself, and at each size times REPS samples against it. */
function measure(make: () => Sampler): string[] {
  const sampler = make();
  const history: FrozenTrial[] = [];
  const out: string[] = [];
  for (const size of SIZES) {
    while (history.length < size) {
      const p = sampler.sample(SPACE, history, 'minimize');
      const i = history.length;
      history.push({ trialId: i + 1, number: i, state: 'COMPLETE', params: p, distributions: {}, value: objective(p), intermediateValues: [], datetimeStart: null, datetimeComplete: null, userAttrs: {}, systemAttrs: {} });
    }
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let r = 0; r < REPS; r++) {
      const t0 = performance.now();
      sampler.sample(SPACE, history, 'minimize');
      times.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    const wall = times[Math.floor(times.length / 2)] as number;
    out.push(`${((cpu.user + cpu.system) / 1000 / REPS).toFixed(3)} / ${wall.toFixed(3)}`);
  }
  return out;
}

function main(): void {
  const load = os.loadavg()[0] ?? 0;
  const rows = [
    ['TPE, default (multivariate)', ...measure(() => new TpeSampler({ seed: 1 }))],
    ['TPE, independent (`multivariate: false`, = Optuna 3.1)', ...measure(() => new TpeSampler({ seed: 1, multivariate: false }))],
    ['random', ...measure(() => new RandomSampler(1))],
    // The grid over this space has 10^5 * 10 * 3 points; measured the same way.
    ['grid', ...measure(() => new GridSampler(1))],
  ];
  const md = [
    '## Sampler speed (sampling only, no storage)',
    '',
    machineLine(),
    `Load average when started: ${load.toFixed(1)} on ${os.cpus().length} cores (other work shared the machine).`,
    '',
    `Per \`sample()\` call, \`CPU ms (mean) / wall ms (median)\` over ${REPS} calls against a history of N COMPLETE trials`,
    'the sampler built itself. On a shared machine the CPU time is the better guide to the cost.',
    'Space: 5 floats in [-10, 10], an int in [1, 100] on a log scale, a 3-way categorical (as in the Optuna timing',
    'notes, where Optuna 3.1 in-memory TPE takes ~124 ms per trial at 900-1000 trials on this machine).',
    '',
    mdTable(['sampler', ...SIZES.map((n) => `N = ${n}`)], rows),
  ].join('\n');
  writeBenchSection('sampler-speed', md);
  console.log(md);
}

main();
