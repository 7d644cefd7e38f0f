// Trial claims across processes on one PostgreSQL study: Sweepdeck workers (separate processes, as
// on separate machines) and Python Optuna workers together. No trial number is given twice, every
// enqueued WAITING trial is taken exactly once, and the Sweepdeck workers' budget check holds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { hasOptuna, PYTHON, REPO_ROOT, runPython } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { until } from '../../support/until.ts';
import { tempDir } from '../support/optunaDump.ts';

const WORKER = path.join(REPO_ROOT, 'test', 'studies', 'postgres', 'support', 'claimWorker.ts');
const TOTAL = 120;
const ENQUEUED = 30;

const PY_WORKER = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, name, total, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
import os, time
study = optuna.load_study(study_name=name, storage=url)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
ran = []
def objective(t):
    x = t.suggest_float("x", 0, 10)
    ran.append(t._trial_id)
    return t.number
# Optuna 3.1's ask() raises when a WAITING trial it saw is finished by another worker before it
# locks it (optuna#5582, a race among Python workers too); a Python fleet restarts optimize.
while True:
    try:
        study.optimize(objective, callbacks=[optuna.study.MaxTrialsCallback(total, states=None)])
        break
    except RuntimeError as e:
        if "has already finished" not in str(e):
            raise
print(json.dumps({"pid": os.getpid(), "ran": ran}), flush=True)
`;

interface Proc {
  out: string;
  done: Promise<number | null>;
}
function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { out: '', done: new Promise((resolve) => child.on('exit', resolve)) };
  child.stdout.on('data', (d: Buffer) => (p.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (p.out += d.toString()));
  return p;
}
const lastJson = <T>(p: Proc): T => JSON.parse(p.out.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '{}') as T;

describe.runIf(hasPostgres() && hasOptuna())('trial claims across processes on PostgreSQL', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('4 Sweepdeck workers and 2 Python Optuna workers: unique numbers, each enqueued trial taken once', async () => {
    const url = pg.createDatabase('claims');
    runPython(
      `import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.create_study(study_name="fleet", storage=sys.argv[1])\nfor i in range(${ENQUEUED}):\n    s.enqueue_trial({"x": i / 10})`,
      [url],
    );
    const go = path.join(tempDir('pgclaims'), 'go');
    const ours = Array.from({ length: 4 }, () => start(process.execPath, ['--import', 'tsx', WORKER, url, 'fleet', String(TOTAL), go]));
    const pys = Array.from({ length: 2 }, () => start(PYTHON, ['-c', PY_WORKER, url, 'fleet', String(TOTAL), go]));
    await until('every worker to be ready', async () => [...ours, ...pys].every((p) => /^ready$/m.test(p.out)), 60_000);
    fs.writeFileSync(go, '');
    await Promise.all([...ours, ...pys].map((p) => p.done));

    const results = ours.map((p) => lastJson<{ claims?: Array<{ trialId: number; number: number; how: string }>; error?: string }>(p));
    for (const r of results) expect(r.error).toBeUndefined();
    const pyRan = pys.map((p) => lastJson<{ ran?: number[] }>(p).ran ?? []);

    const s = await openPostgresStudyStorage(url, { readonly: true });
    try {
      const study = await s.loadStudy('fleet');
      const trials = await s.getTrials(study.studyId);
      // Python's MaxTrialsCallback checks the budget after each trial, so Python workers may run a
      // few past it; the Sweepdeck workers never create one past it (checked under the study lock).
      expect(trials.length).toBeGreaterThanOrEqual(TOTAL);
      expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
      expect(new Set(trials.map((t) => t.state))).toEqual(new Set(['COMPLETE']));
      const created = results.flatMap((r) => r.claims ?? []).filter((c) => c.how === 'created');
      expect(created.every((c) => c.number < TOTAL)).toBe(true);
      // The enqueued trials (ids of the first ENQUEUED trials) were each run by exactly one worker.
      const enqueuedIds = trials.slice(0, ENQUEUED).map((t) => t.trialId);
      const takers = [...results.flatMap((r) => (r.claims ?? []).filter((c) => c.how === 'popped').map((c) => c.trialId)), ...pyRan.flat()];
      for (const id of enqueuedIds) expect(takers.filter((t) => t === id)).toHaveLength(1);
      // Every trial was run once in all.
      const allTaken = [...results.flatMap((r) => (r.claims ?? []).map((c) => c.trialId)), ...pyRan.flat()].sort((a, b) => a - b);
      expect(allTaken).toEqual(trials.map((t) => t.trialId));
      // Both kinds of worker took part.
      expect(results.every((r) => (r.claims ?? []).length > 0)).toBe(true);
      expect(pyRan.flat().length, pys.map((p) => p.out).join("\n")).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  }, 300_000);
});
