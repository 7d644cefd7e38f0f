import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BanditPruner, createPruner, isFirstInIntervalStep, MedianPruner } from '../../electron/core/search/pruners.ts';
import { Rng } from '../../electron/core/search/rng.ts';
import type { Direction, FrozenTrial } from '../../electron/core/search/types.ts';
import { needOptuna, PYTHON } from '../support/peers.ts';
import { trial } from './helpers.ts';

const running = (number: number, iv: Array<[number, number]>) => ({ number, intermediateValues: iv });

describe('median pruner = Optuna MedianPruner', () => {
  it('agrees with Optuna 3.1 on 300 random histories', (ctx) => {
    needOptuna(ctx);
    const rng = new Rng(2024);
    type Case = { direction: Direction; warmup: number; interval: number; history: FrozenTrial[]; iv: Array<[number, number]> };
    const cases: Case[] = [];
    const ivs = (maxStep: number, nanRate: number): Array<[number, number]> => {
      const out: Array<[number, number]> = [];
      for (let s = 0; s <= maxStep; s++) if (rng.random() < 0.85) out.push([s, rng.random() < nanRate ? NaN : Math.round(rng.normal() * 100) / 100]);
      return out;
    };
    for (let c = 0; c < 300; c++) {
      const history: FrozenTrial[] = [];
      const n = rng.random() < 0.2 ? rng.int(6) : 5 + rng.int(8);
      for (let i = 0; i < n; i++) {
        const iv = ivs(rng.int(7), 0.05);
        const pruned = rng.random() < 0.15;
        history.push(trial(i, {}, pruned ? (iv.at(-1)?.[1] ?? null) : rng.normal(), pruned ? 'PRUNED' : 'COMPLETE', iv));
      }
      let iv = ivs(rng.int(7), 0.05);
      if (iv.length === 0) iv = [[0, 0.5]];
      cases.push({ direction: rng.random() < 0.5 ? 'minimize' : 'maximize', warmup: rng.int(4), interval: 1 + rng.int(3), history, iv });
    }
    const nanToNull = (x: number) => (Number.isNaN(x) ? null : x);
    const payload = cases.map((c) => ({
      direction: c.direction, warmup: c.warmup, interval: c.interval,
      history: c.history.map((t) => ({ state: t.state, value: t.value, iv: t.intermediateValues.map(([s, v]) => [s, nanToNull(v)]) })),
      iv: c.iv.map(([s, v]) => [s, nanToNull(v)]),
    }));
    const code = `
import json, sys, math, warnings, optuna
from optuna.trial import TrialState, create_trial
optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")
nan = lambda v: math.nan if v is None else v
out = []
for c in json.loads(sys.stdin.read()):
    study = optuna.create_study(direction=c["direction"])
    for t in c["history"]:
        iv = {s: nan(v) for s, v in t["iv"]}
        if t["state"] == "COMPLETE":
            study.add_trial(create_trial(value=t["value"], intermediate_values=iv))
        else:
            study.add_trial(create_trial(state=TrialState.PRUNED, value=t["value"], intermediate_values=iv))
    tr = study.ask()
    for s, v in c["iv"]:
        tr.report(nan(v), s)
    frozen = study._storage.get_trial(tr._trial_id)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=c["warmup"], interval_steps=c["interval"])
    out.append(bool(pruner.prune(study, frozen)))
print(json.dumps(out))
`;
    const r = spawnSync(PYTHON, ['-c', code], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    const expected = JSON.parse(r.stdout) as boolean[];
    const got = cases.map((c) => new MedianPruner(c.warmup, c.interval).shouldPrune(running(c.history.length, c.iv), c.history, c.direction));
    const diffs = cases.flatMap((c, i) => (got[i] === expected[i] ? [] : [`case ${i}: ours ${got[i]} optuna ${expected[i]} ${JSON.stringify(payload[i])}`]));
    expect(diffs.slice(0, 3)).toEqual([]);
    // the comparison is meaningful: both outcomes occur
    expect(expected.filter(Boolean).length).toBeGreaterThan(10);
    expect(expected.filter((x) => !x).length).toBeGreaterThan(20);
  });

  it('respects startup trials, warmup and interval on a crafted history', () => {
    const hist = [0, 1, 2, 3, 4].map((i) => trial(i, {}, 1, 'COMPLETE', [[0, 0.5], [1, 0.6], [2, 0.7], [3, 0.8]]));
    const p = new MedianPruner(2, 2);
    // maximize: 0.1 at step 2 is below the median 0.7
    expect(p.shouldPrune(running(9, [[0, 0.1], [1, 0.1], [2, 0.1]]), hist, 'maximize')).toBe(true);
    // before the warmup step: never
    expect(p.shouldPrune(running(9, [[0, 0.1], [1, 0.1]]), hist, 'maximize')).toBe(false);
    // step 3 is not the first step of an interval (2, 4, ...)
    expect(p.shouldPrune(running(9, [[0, 0.1], [1, 0.1], [2, 0.1], [3, 0.1]]), hist, 'maximize')).toBe(false);
    // its best so far counts: 0.9 earlier beats the median
    expect(p.shouldPrune(running(9, [[0, 0.9], [1, 0.1], [2, 0.1]]), hist, 'maximize')).toBe(false);
    // with only 4 completed trials nothing is pruned
    expect(p.shouldPrune(running(9, [[0, 0.1], [1, 0.1], [2, 0.1]]), hist.slice(0, 4), 'maximize')).toBe(false);
    // minimize flips it
    expect(p.shouldPrune(running(9, [[0, 0.1], [1, 0.1], [2, 0.1]]), hist, 'minimize')).toBe(false);
    expect(p.shouldPrune(running(9, [[0, 0.9], [1, 0.9], [2, 0.9]]), hist, 'minimize')).toBe(true);
    expect(isFirstInIntervalStep(4, [0, 1, 2, 3, 4], 2, 2)).toBe(true);
    // step 5 is the first report at or after checkpoint 4 (step 4 was skipped), so it is checked
    expect(isFirstInIntervalStep(5, [0, 2, 5], 2, 2)).toBe(true);
    expect(isFirstInIntervalStep(5, [0, 2, 4, 5], 2, 2)).toBe(false);
  });
});

describe('bandit pruner = Azure ML BanditPolicy', () => {
  // Azure's documented example: best 0.8 at an interval, slack_factor 0.2, maximize:
  // runs below 0.8 / (1 + 0.2) = 0.6667 at that interval are terminated.
  const best = trial(0, {}, 0.8, 'COMPLETE', [[1, 0.5], [2, 0.7], [3, 0.8]]);
  const other = trial(1, {}, 0.6, 'COMPLETE', [[1, 0.4], [2, 0.6], [3, 0.6]]);
  const pruner = new BanditPruner(1, 1, { factor: 0.2 });

  it('slack is relative to the best run at the same step', () => {
    expect(pruner.threshold(0.8, 'maximize')).toBeCloseTo(0.8 / 1.2, 12);
    expect(pruner.shouldPrune(running(5, [[1, 0.5], [2, 0.7], [3, 0.66]]), [best, other], 'maximize')).toBe(true);
    expect(pruner.shouldPrune(running(5, [[1, 0.5], [2, 0.7], [3, 0.67]]), [best, other], 'maximize')).toBe(false);
    // at step 2 the best is 0.7, so 0.6 is within 0.7/1.2 = 0.583
    expect(pruner.shouldPrune(running(5, [[1, 0.5], [2, 0.6]]), [best, other], 'maximize')).toBe(false);
    expect(pruner.shouldPrune(running(5, [[1, 0.5], [2, 0.58]]), [best, other], 'maximize')).toBe(true);
  });

  it('minimize: best * (1 + slack); slack_amount: absolute distance', () => {
    const a = trial(0, {}, 1, 'COMPLETE', [[1, 2.0]]);
    const b = trial(1, {}, 1, 'PRUNED', [[1, 1.0]]);
    expect(pruner.shouldPrune(running(5, [[1, 1.19]]), [a, b], 'minimize')).toBe(false);
    expect(pruner.shouldPrune(running(5, [[1, 1.21]]), [a, b], 'minimize')).toBe(true);
    const amount = new BanditPruner(0, 1, { amount: 0.1 });
    expect(amount.shouldPrune(running(5, [[1, 1.09]]), [a, b], 'minimize')).toBe(false);
    expect(amount.shouldPrune(running(5, [[1, 1.11]]), [a, b], 'minimize')).toBe(true);
    expect(amount.shouldPrune(running(5, [[1, 1.89]]), [a, b], 'maximize')).toBe(true);
  });

  it('waits for delay_evaluation, checks every evaluation_interval, ignores FAIL/RUNNING peers', () => {
    const p = new BanditPruner(2, 2, { factor: 0.1 });
    const peer = trial(0, {}, 1, 'COMPLETE', [[1, 1], [2, 1], [3, 1], [4, 1]]);
    expect(p.shouldPrune(running(5, [[1, 0.1]]), [peer], 'maximize')).toBe(false); // before delay
    expect(p.shouldPrune(running(5, [[1, 0.1], [2, 0.1]]), [peer], 'maximize')).toBe(true);
    expect(p.shouldPrune(running(5, [[1, 0.1], [2, 0.95], [3, 0.1]]), [peer], 'maximize')).toBe(false); // step 3 is off-interval
    expect(p.shouldPrune(running(5, [[1, 0.1], [2, 0.95], [3, 0.1], [4, 0.1]]), [peer], 'maximize')).toBe(true);
    const failed = trial(1, {}, null, 'FAIL', [[2, 100]]);
    expect(p.shouldPrune(running(5, [[1, 0.1], [2, 0.95]]), [peer, failed], 'maximize')).toBe(false);
    expect(p.shouldPrune(running(5, [[1, 0.1], [2, 0.95]]), [], 'maximize')).toBe(false); // nobody to compare with
  });

  it('negative metrics keep the same relative distance', () => {
    const p = new BanditPruner(0, 1, { factor: 0.2 });
    const peer = trial(0, {}, -1, 'COMPLETE', [[0, -1]]);
    // maximize, best -1: allowed distance |−1|·0.2/1.2 = 0.1667
    expect(p.shouldPrune(running(5, [[0, -1.1]]), [peer], 'maximize')).toBe(false);
    expect(p.shouldPrune(running(5, [[0, -1.2]]), [peer], 'maximize')).toBe(true);
    // and the best run itself is never pruned
    expect(p.shouldPrune(running(5, [[0, -1]]), [peer], 'maximize')).toBe(false);
  });
});

describe('createPruner', () => {
  it('maps the config', () => {
    expect(createPruner({ policy: 'none', evaluation_interval: 1, delay_evaluation: 0 }).name).toBe('none');
    const m = createPruner({ policy: 'median', evaluation_interval: 3, delay_evaluation: 2 });
    expect(m).toBeInstanceOf(MedianPruner);
    expect((m as MedianPruner).warmupSteps).toBe(2);
    expect((m as MedianPruner).intervalSteps).toBe(3);
    const b = createPruner({ policy: 'bandit', evaluation_interval: 1, delay_evaluation: 5, slack_factor: 0.2 });
    expect(b).toBeInstanceOf(BanditPruner);
    expect((b as BanditPruner).threshold(1, 'maximize')).toBeCloseTo(1 / 1.2, 12);
  });
});
