// The database goes away under a storage that is writing: a restart (pg_ctl stop -m fast, start on
// the same port and data folder), a 10 s pause (SIGSTOP of the postmaster and its backends), and a
// connection cut exactly around a COMMIT. The storage waits, reconnects with backoff, and the study,
// read back by Python Optuna, has every trial once: none lost, none doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage, type OptunaPostgresStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import type { OutageNotice } from '../../../electron/core/studies/postgresRetry.ts';
import type { Distribution } from '../../../electron/core/search/types.ts';
import { hasOptuna, runPython } from '../../support/peers.ts';
import { hasOwnCluster, startPostgres, type ClusterControl, type PgServer } from '../../support/postgresPeer.ts';
import { until } from '../../support/until.ts';
import { startCommitCutProxy } from './support/commitCutProxy.ts';

const X: Distribution = { kind: 'float', low: 0, high: 1000, log: false, step: null };

/** Trials as Python Optuna sees them: number, state, value, param x, intermediate at step 0, attr i. */
const READ_BACK = `
import sys, json, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = optuna.load_study(study_name=sys.argv[2], storage=sys.argv[1])
print(json.dumps([[t.number, t.state.name, t.value, t.params.get("x"), t.intermediate_values.get(0), t.user_attrs.get("i")] for t in study.get_trials(deepcopy=False)]))
`;
type Seen = [number, string, number | null, number | null, number | null, number | null];

function readBack(url: string, study: string): Seen[] {
  return JSON.parse(runPython(READ_BACK, [url, study]).trim().split('\n').pop()!) as Seen[];
}

/** What the writers must have left: for each i, one trial complete with value i, x = i,
 * intermediate i and attr i, and trial numbers 0..n-1 each once. */
function expectEachOnce(seen: Seen[], ids: number[]): void {
  expect(seen.map((t) => t[0]).sort((a, b) => a - b)).toEqual(ids.map((_, k) => k));
  const byI = [...seen].sort((a, b) => (a[5] ?? -1) - (b[5] ?? -1));
  expect(byI.map((t) => t.slice(1))).toEqual([...ids].sort((a, b) => a - b).map((i) => ['COMPLETE', i, i, i, i]));
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, k) => from + k);

/** Writers, each writing its trials one after another in five transactions, as a worker's slots
 * do; `done` counts finished trials so the test can strike mid-way. */
function writers(s: OptunaPostgresStorage, studyId: number, lanes: number[][]): { done: () => number; finished: Promise<void> } {
  let done = 0;
  const finished = Promise.all(
    lanes.map(async (ids) => {
      for (const i of ids) {
        const t = await s.createTrial(studyId);
        await s.setTrialParam(t.trialId, 'x', i, X);
        await s.reportIntermediate(t.trialId, 0, i);
        await s.setTrialUserAttr(t.trialId, 'i', i);
        await s.finishTrial(t.trialId, 'COMPLETE', i);
        done++;
      }
    }),
  ).then(() => undefined);
  return { done: () => done, finished };
}

describe.runIf(hasOwnCluster() && hasOptuna())('a PostgreSQL study storage through outages of the real server', () => {
  let pg: PgServer;
  let cluster: ClusterControl;
  beforeAll(async () => {
    pg = await startPostgres({ own: true });
    cluster = pg.cluster!;
  }, 120_000);
  afterAll(() => pg?.stop());

  async function open(url: string, notices: OutageNotice[], patienceMs = 90_000): Promise<OptunaPostgresStorage> {
    return openPostgresStudyStorage(url, { create: true, reconnect: { firstDelayMs: 100, maxDelayMs: 2_000, patienceMs }, onConnectionNotice: (n) => notices.push(n) });
  }

  it('a restart mid-way through three concurrent writers: waits while it is down, reconnects, loses and doubles nothing', async () => {
    const url = pg.createDatabase('restart');
    const notices: OutageNotice[] = [];
    const s = await open(url, notices);
    const lanes = [range(0, 30), range(100, 30), range(200, 30)];
    try {
      const study = await s.createStudy('restart', ['minimize']);
      const w = writers(s, study.studyId, lanes);
      await until('20 trials written', async () => w.done() >= 20);
      const t0 = Date.now();
      await cluster.stopServer();
      let doneWhileDown: number;
      try {
        // Down until some call has backed off at least four times (a wait over 500 ms: the cap is
        // 100 ms doubled, so only a fourth wait can be that long).
        await until('a fourth backoff wait', async () => notices.some((n) => n.kind === 'retry' && n.delayMs! > 500));
        doneWhileDown = w.done();
      } finally {
        // Up again whatever happened, for the other tests on this cluster.
        await cluster.startServer();
      }
      await w.finished;
      const back = notices.find((n) => n.kind === 'back');
      const delays = notices.filter((n) => n.kind === 'retry').map((n) => Math.round(n.delayMs!));
      console.log(`restart: down and up again in ${Date.now() - t0} ms; waits ${delays.join(', ')} ms; ${notices.filter((n) => n.kind !== 'retry').map((n) => n.message).join(' | ')}`);
      // Lost, then back (again if a call got through while the server was still shutting down).
      const kinds = notices.filter((n) => n.kind !== 'retry').map((n) => n.kind);
      expect(kinds.length % 2).toBe(0);
      expect(kinds).toEqual(kinds.map((_, k) => (k % 2 === 0 ? 'lost' : 'back')));
      // Every wait within [first/2, max] (the three writers' calls back off independently).
      for (const d of delays) {
        expect(d).toBeGreaterThanOrEqual(50 - 1);
        expect(d).toBeLessThanOrEqual(2_000 + 1);
      }
      expect(notices.some((n) => n.kind === 'retry' && /ECONNREFUSED/.test(n.message))).toBe(true);
      expect(notices[0]!.message).toContain(new URL(url).host);
      expect(notices[0]!.message).not.toContain(pg.password);
      expect(back?.message).toMatch(/reconnected to the database after \d+\.\d s/);
      expect(doneWhileDown).toBeLessThan(90);
    } finally {
      await s.close();
    }
    expectEachOnce(readBack(url, 'restart'), lanes.flat());
  }, 120_000);

  it('a 10 s pause of the server mid-way: the writes wait and go on, nothing lost or doubled', async () => {
    const url = pg.createDatabase('pause');
    const notices: OutageNotice[] = [];
    const s = await open(url, notices);
    try {
      const study = await s.createStudy('pause', ['minimize']);
      const w = writers(s, study.studyId, [range(0, 60)]);
      await until('20 trials written', async () => w.done() >= 20);
      cluster.pause();
      const frozenAt = w.done();
      try {
        // The postmaster and every backend (the writer's included) are stopped by the kernel.
        await until('every server process stopped', async () => cluster.pausedState().allStopped, 10_000, 20);
        expect(cluster.pausedState().processes).toBeGreaterThan(3);
        // The fault itself lasts 10 s.
        await new Promise((r) => setTimeout(r, 10_000));
      } finally {
        cluster.resume();
      }
      expect(frozenAt).toBeLessThan(60);
      await w.finished;
      console.log(`pause: ${frozenAt} trials before the pause; notices: ${notices.map((n) => n.message).join(' | ') || 'none (every statement waited)'}`);
      // Every trial the writer finished is the expected one; checked after close by Python.
    } finally {
      await s.close();
    }
    expectEachOnce(readBack(url, 'pause'), range(0, 60));
  }, 120_000);

  it.each(['before', 'after'] as const)('a connection cut %s the server received the COMMIT of createTrial: the trial exists exactly once', async (mode) => {
    const url = pg.createDatabase(`cut_${mode}`);
    const proxy = await startCommitCutProxy(pg.host, pg.port);
    const notices: OutageNotice[] = [];
    const s = await open(proxy.urlFor(url), notices);
    try {
      const study = await s.createStudy('cut', ['minimize']);
      const first = await s.createTrial(study.studyId);
      await s.finishTrial(first.trialId, 'COMPLETE', 0);
      const cut = proxy.cutNextCommit(mode);
      const second = await s.createTrial(study.studyId);
      await cut;
      await s.setTrialParam(second.trialId, 'x', 1, X);
      await s.reportIntermediate(second.trialId, 0, 1);
      await s.setTrialUserAttr(second.trialId, 'i', 1);
      await s.finishTrial(second.trialId, 'COMPLETE', 1);
      expect(second.number).toBe(1);
      expect(notices.filter((n) => n.kind !== 'retry').map((n) => n.kind)).toEqual(['lost', 'back']);
      // Straight from the server, not through the storage: two trial rows, no more.
      expect(pg.psql(`SELECT count(*) FROM trials`, new URL(url).pathname.slice(1)).trim()).toBe('2');
    } finally {
      await s.close();
      await proxy.close();
    }
    const seen = readBack(url, 'cut');
    expect(seen.map((t) => [t[0], t[1], t[2]])).toEqual([
      [0, 'COMPLETE', 0],
      [1, 'COMPLETE', 1],
    ]);
  }, 60_000);

  it.each(['before', 'after'] as const)("a connection cut %s the server ran finishTrial's one autocommit statement: the trial is finished once, with no error", async (mode) => {
    const url = pg.createDatabase(`cutfin_${mode}`);
    const proxy = await startCommitCutProxy(pg.host, pg.port);
    const notices: OutageNotice[] = [];
    const s = await open(proxy.urlFor(url), notices);
    try {
      const study = await s.createStudy('cutfin', ['minimize']);
      const first = await s.createTrial(study.studyId);
      await s.finishTrial(first.trialId, 'COMPLETE', 0);
      const second = await s.createTrial(study.studyId);
      const cut = proxy.cutNextStatement(/^WITH u AS \(UPDATE trials SET state/, mode);
      await s.finishTrial(second.trialId, 'COMPLETE', 1);
      await cut;
      expect(notices.filter((n) => n.kind !== 'retry').map((n) => n.kind)).toEqual(['lost', 'back']);
      // Straight from the server: one value row for the trial, written once.
      expect(pg.psql(`SELECT count(*) FROM trial_values WHERE trial_id = ${second.trialId}`, new URL(url).pathname.slice(1)).trim()).toBe('1');
    } finally {
      await s.close();
      await proxy.close();
    }
    const seen = readBack(url, 'cutfin');
    expect(seen.map((t) => [t[0], t[1], t[2]])).toEqual([
      [0, 'COMPLETE', 0],
      [1, 'COMPLETE', 1],
    ]);
  }, 60_000);

  it('patience runs out: UNREACHABLE naming the URL, the wait, and that the change was not saved', async () => {
    const url = pg.createDatabase('patience');
    const notices: OutageNotice[] = [];
    const s = await open(url, notices, 1_500);
    try {
      const study = await s.createStudy('patience', ['minimize']);
      await cluster.stopServer();
      try {
        const e = (await s.createTrial(study.studyId).catch((err: unknown) => err)) as Error & { code?: string };
        expect(e.code).toBe('UNREACHABLE');
        expect(e.message).toContain(new URL(url).host);
        expect(e.message).not.toContain(pg.password);
        expect(e.message).toMatch(/did not come back within \d+ s \(\d+ reconnect attempts; last: .*ECONNREFUSED/);
        expect(e.message).toContain('The last change was not saved');
        expect(e.message).toContain('SWEEPDECK_PG_PATIENCE_SECONDS');
      } finally {
        await cluster.startServer();
      }
      expect(await s.countTrials(study.studyId)).toMatchObject({ RUNNING: 0, COMPLETE: 0 });
    } finally {
      await s.close();
    }
  }, 60_000);
});
