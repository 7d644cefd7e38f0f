// Study storage cost per trial: what the runner does for each trial (create with 7 params, report
// 3 intermediate values, finish, then re-read the finished history for the sampler), 1,000 trials,
// on the Optuna SQLite schema, in WAL (runner: one fsync per trial, at its end) and in rollback-journal
// mode (every commit fsynced); plus the floor, one fsynced WAL commit, measured in the same run.
// Sampling is not included: this is the storage share of the engine-overhead budget (3 ms/trial).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Distribution, ParamValue } from '../electron/core/search/types.ts';
import { openStudyStorage } from '../electron/core/studies/optunaSqliteStorage.ts';
import { commitFloorSamples, machineLine, mdTable, writeBenchSection } from './benchSupport.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 1000);

const SPACE: Record<string, Distribution> = {
  x1: { kind: 'float', low: -10, high: 10, step: null, log: false },
  x2: { kind: 'float', low: -10, high: 10, step: null, log: false },
  x3: { kind: 'float', low: -10, high: 10, step: null, log: false },
  x4: { kind: 'float', low: -10, high: 10, step: null, log: false },
  x5: { kind: 'float', low: -10, high: 10, step: null, log: false },
  n: { kind: 'int', low: 1, high: 100, step: 1, log: true },
  c: { kind: 'categorical', choices: ['a', 'b', 'c'] },
};

function params(i: number): Record<string, { value: ParamValue; distribution: Distribution }> {
  const v: Record<string, ParamValue> = { x1: (i % 17) - 8, x2: (i % 13) / 2, x3: -i / TRIALS, x4: 1.5, x5: 0.25, n: 1 + (i % 100), c: ['a', 'b', 'c'][i % 3] as string };
  return Object.fromEntries(Object.entries(SPACE).map(([k, d]) => [k, { value: v[k] as ParamValue, distribution: d }]));
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f2 = (x: number): string => x.toFixed(2);

interface Result {
  mode: string;
  perTrial: number[];
  historyAt1000Warm: number;
  historyAt1000Cold: number;
}

function runMode(runner: boolean): Result {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-study-'));
  const file = path.join(dir, 'study.db');
  try {
    const s = openStudyStorage(file, { create: true, runner });
    const { studyId } = s.createStudy('bench', ['minimize']);
    const perTrial: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t0 = performance.now();
      s.getTrials(studyId, ['COMPLETE', 'PRUNED']); // what a sampler reads before proposing
      const { trialId } = s.createTrial(studyId, { params: params(i) });
      for (let step = 0; step < 3; step++) s.reportIntermediate(trialId, step, i + step);
      s.finishTrial(trialId, i % 10 === 9 ? 'PRUNED' : 'COMPLETE', i % 7);
      perTrial.push(performance.now() - t0);
    }
    let t0 = performance.now();
    s.getTrials(studyId);
    const historyAt1000Warm = performance.now() - t0;
    s.close();
    const cold = openStudyStorage(file, { readonly: true });
    t0 = performance.now();
    const all = cold.getTrials(studyId);
    const historyAt1000Cold = performance.now() - t0;
    if (all.length !== TRIALS) throw new Error(`read back ${all.length} trials, expected ${TRIALS}`);
    cold.close();
    return {
      mode: runner ? 'WAL (runner): fsync once per trial, at finish' : 'rollback journal (DELETE): every commit fsynced',
      perTrial,
      historyAt1000Warm,
      historyAt1000Cold,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const load = os.loadavg()[0]?.toFixed(1) ?? '?';
  const floor = commitFloorSamples(300);
  const results = [runMode(true), runMode(false)];
  const rows = results.map((r) => {
    const first = r.perTrial.slice(0, 100);
    const last = r.perTrial.slice(-100);
    return [r.mode, f2(mean(r.perTrial)), f2(pct(r.perTrial, 50)), f2(pct(r.perTrial, 95)), f2(mean(first)), f2(mean(last)), f2(r.historyAt1000Warm), f2(r.historyAt1000Cold)];
  });
  const md = [
    '## Study storage: cost per trial (bench/studyStorage.ts)',
    '',
    machineLine(),
    `Load average at start: ${load} (the machine is shared; numbers include that contention).`,
    '',
    `${TRIALS} trials, 7 params (5 float, 1 log int, 1 categorical). Per trial: read the COMPLETE/PRUNED history, create the trial with its params (one transaction), report 3 intermediate values (3 transactions), finish it (one transaction). Every transaction is committed before the call returns (survives a process kill); what is fsynced differs by mode as stated. No sampling.`,
    '',
    `Floor measured in the same run: one fsynced WAL commit takes ${f2(mean(floor))} ms on average (p50 ${f2(pct(floor, 50))}, p95 ${f2(pct(floor, 95))}); fsync time on this shared VM varies with other tenants' I/O.`,
    '',
    mdTable(['journal mode', 'mean ms/trial', 'p50', 'p95', 'mean, trials 1-100', `mean, trials ${TRIALS - 99}-${TRIALS}`, `all ${TRIALS} trials, warm cache (ms)`, `all ${TRIALS} trials, cold (ms)`], rows),
  ].join('\n');
  writeBenchSection('studyStorage', md);
  console.log(md);
}

main();
