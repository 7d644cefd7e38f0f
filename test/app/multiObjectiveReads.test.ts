// A multi-objective study made by real Python Optuna 3.1 (NSGA-II, one with constraints_func),
// read through the app services and the browser host: the summary lists every direction and the
// front's size, the columns carry each objective's values as Python stored them, each trial's
// feasibility as its `constraints` say, and the Pareto front Optuna itself computes (over the
// feasible trials when constraints exist). A single-objective study's replies gain nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import type { SweepSummary } from '../../shared/contract.ts';
import { fromTrialColumns } from '../../shared/trialColumns.ts';
import { hasOptuna } from '../support/peers.ts';
import { makeMultiObjectiveStudies, MO2_STUDY, MO3_STUDY, type PyMoStudy } from '../support/pythonMultiObjective.ts';

describe.runIf(hasOptuna())('a multi-objective study made by Python Optuna', () => {
  let dir: string;
  let app: AppServices;
  let host: Host;
  let client: Client;
  let py: Record<string, PyMoStudy>;
  const sweeps = new Map<string, SweepSummary>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-mo-'));
    const file = path.join(dir, 'mo.db');
    py = makeMultiObjectiveStudies(file, 60);
    // A single-objective study beside them, written by our storage.
    const s = openStudyStorage(file);
    const sid = s.createStudy('single', ['minimize']).studyId;
    for (let i = 0; i < 3; i++) s.finishTrial(s.createTrial(sid).trialId, 'COMPLETE', i);
    s.close();
    app = await createAppServices({ dataDir: path.join(dir, 'data'), host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: dir } });
    host = await startHost({ app, rendererDir: null });
    client = createClient(httpTransport(host.origin, host.token));
    for (const sw of (await client.get('sweeps.openStudyFile', { path: file })).sweeps) sweeps.set(sw.studyName, sw);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await host?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the summary lists every direction, the front size and whether constraints are in play', async () => {
    const list = (await client.get('sweeps.list', {})).sweeps;
    const two = list.find((s) => s.studyName === MO2_STUDY)!;
    expect(two.objectives).toEqual({ directions: ['minimize', 'maximize'], names: [null, null], frontSize: py[MO2_STUDY]!.feasibleFront.length, constrained: true });
    expect(two.best).toBeNull();
    const three = list.find((s) => s.studyName === MO3_STUDY)!;
    expect(three.objectives).toEqual({ directions: ['minimize', 'minimize', 'maximize'], names: [null, null, null], frontSize: py[MO3_STUDY]!.front.length, constrained: false });
    const single = list.find((s) => s.studyName === 'single')!;
    expect(single.objectives).toBeUndefined();
    expect(single.best).toEqual({ number: 0, value: 0 });
  });

  it('the columns hold every objective value, the feasibility and the front Optuna computes', async () => {
    for (const name of [MO2_STUDY, MO3_STUDY]) {
      const want = py[name]!;
      const c = await client.get('sweeps.trialColumns', { id: sweeps.get(name)!.id });
      expect(c.directions).toEqual(want.directions);
      // With constraints: Optuna's front of the feasible trials; without: its best_trials.
      expect(c.front).toEqual(name === MO2_STUDY ? want.feasibleFront : want.front);
      const rows = fromTrialColumns(c);
      expect(rows.map((r) => r.number)).toEqual(want.trials.map((t) => t.number));
      for (const [i, r] of rows.entries()) {
        const t = want.trials[i]!;
        expect(r.state).toBe(t.state);
        if (t.values) {
          expect(r.values).toEqual(t.values);
          expect(r.value).toBe(t.values[0]);
        } else expect(r.values?.every((v) => v === null) ?? true).toBe(true);
        expect(r.feasible).toBe(t.constraints ? t.constraints.every((x) => x <= 0) : undefined);
      }
    }
    // The two-objective study has trials on both sides of its constraint.
    const two = fromTrialColumns(await client.get('sweeps.trialColumns', { id: sweeps.get(MO2_STUDY)!.id }));
    expect(two.some((r) => r.feasible === true) && two.some((r) => r.feasible === false)).toBe(true);
  });

  it('a since reply carries the whole front', async () => {
    const id = sweeps.get(MO2_STUDY)!.id;
    const c = await client.get('sweeps.trialColumns', { id, since: { after: 1_000, numbers: [] } });
    expect(c.number).toEqual([]);
    expect(c.front).toEqual(py[MO2_STUDY]!.feasibleFront);
  });

  it('a single-objective study gains no multi-objective columns', async () => {
    const c = await client.get('sweeps.trialColumns', { id: sweeps.get('single')!.id });
    expect(c.directions).toBeUndefined();
    expect(c.values).toBeUndefined();
    expect(c.front).toBeUndefined();
    expect(c.feasible).toBeUndefined();
    expect(c.value).toEqual([0, 1, 2]);
  });
});
