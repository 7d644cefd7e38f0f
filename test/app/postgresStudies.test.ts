// The app on a PostgreSQL study, against a real server (the throw-away cluster) and real Python
// Optuna workers: opening by URL (bad password, unreachable server and a wrong study name each
// answered with the URL without its password), trials written by another process appearing without
// reopening, the Workers panel (Sweepdeck workers by host and pid, the Python row, stale marks),
// read-only watching of a Python-only study, Stop writing the stop request into the study, and the
// password never in the registry, a reply, an event or a log line.
import { randomBytes, createCipheriv, createDecipheriv } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import { loadCore, type CoreModules, type StartSweepArgs } from '../../electron/app/core.ts';
import type { SweepResult } from '../../electron/core/sweeps/types.ts';
import { quickConfig } from '../support/quickSweep.ts';
import type { SecretStore } from '../../electron/core/azure/secretStore.ts';
import { openPostgresStudyStorage } from '../../electron/core/studies/optunaPostgresStorage.ts';
import { SYS_STOP_REQUESTED, SYS_WORKER_HOST, SYS_WORKER_PID, SYS_WORKER_SLOT } from '../../electron/core/studies/sweepdeckAttrs.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import type { ChannelInput, ChannelOutput, Channel, SweepDetail } from '../../shared/contract.ts';
import type { EventPayload } from '../../shared/events.ts';
import { hasOptuna, PYTHON, runPython } from '../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../support/postgresPeer.ts';
import { unusedLoopbackPort } from '../support/loopbackPort.ts';
import { until } from '../support/until.ts';

const execFileP = promisify(execFile);

/** A stand-in for the OS keyring: real AES-GCM with a key that lives only in this test. */
function testKeyring(): SecretStore {
  const key = randomBytes(32);
  return {
    description: 'test keyring',
    encrypts: true,
    encrypt: async (plain) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt: async (data) => {
      const d = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      d.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

const PY_WORKER = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, n = sys.argv[1], int(sys.argv[2])
study = optuna.load_study(study_name="mixed", storage=url)
study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.25) ** 2, n_trials=n)
left = study.ask()
print(left.number)
`;

/** A Python worker as its own process, without blocking this one (the host serves the client here). */
async function python(code: string, args: string[]): Promise<string> {
  const { stdout } = await execFileP(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

describe.runIf(hasPostgres() && hasOptuna())('the app on a PostgreSQL study', () => {
  let pg: PgServer;
  let work: string;
  let dataDir: string;
  let app: AppServices;
  let host: Host;
  let client: Client;
  let keyring: SecretStore;
  let url: string;
  let db: string;
  /** Everything the app said: replies, events, log lines. */
  const said: string[] = [];
  const logSpies: Array<ReturnType<typeof vi.spyOn>> = [];

  async function up(env: NodeJS.ProcessEnv = {}): Promise<void> {
    app = await createAppServices({ dataDir, host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: work, ...env }, azureSecretStore: keyring, urlPollMs: 150 });
    app.bus.subscribe((m) => said.push(JSON.stringify(m)));
    host = await startHost({ app, rendererDir: null });
    client = createClient(httpTransport(host.origin, host.token, { reconnectMs: 50 }));
  }
  async function down(): Promise<void> {
    client.close();
    await host.close();
    await app.close();
  }
  async function call<C extends Channel>(ch: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
    try {
      const out = await client.get(ch, input);
      said.push(JSON.stringify(out));
      return out;
    } catch (e) {
      said.push(JSON.stringify({ message: (e as Error).message, details: (e as { details?: unknown }).details }));
      throw e;
    }
  }
  async function refused<C extends Channel>(ch: C, input: ChannelInput<C>): Promise<{ code: string; message: string }> {
    try {
      await call(ch, input);
    } catch (e) {
      return { code: String((e as { code?: unknown }).code), message: (e as Error).message };
    }
    throw new Error(`${ch} was expected to be refused`);
  }

  beforeAll(async () => {
    for (const m of ['error', 'warn', 'log'] as const) {
      logSpies.push(vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void said.push(args.map(String).join(' '))));
    }
    pg = await startPostgres();
    url = pg.createDatabase('app');
    db = new URL(url).pathname.slice(1);
    runPython('import sys, optuna\noptuna.create_study(study_name="mixed", storage=sys.argv[1], direction="minimize")', [url]);
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgapp-'));
    dataDir = path.join(work, 'data');
    keyring = testKeyring();
    await up();
  }, 120_000);

  afterAll(async () => {
    await down();
    pg?.stop();
    rmSync(work, { recursive: true, force: true });
    for (const s of logSpies) s.mockRestore();
  });

  const withPassword = (pw: string): string => {
    const u = new URL(url);
    u.password = pw;
    return u.href;
  };
  const withoutPassword = (): string => {
    const u = new URL(url);
    u.password = '';
    return u.href;
  };

  let id = '';

  it('a wrong password, an unreachable server and a wrong study name are refused naming the URL without its password', async () => {
    const wrong = `wrong${randomBytes(6).toString('hex')}`;
    const bad = await refused('sweeps.openStudyUrl', { url: withPassword(wrong) });
    expect(bad.message).toContain(withoutPassword());
    expect(bad.message).toMatch(/refused user 'sweepdeck'.*PGPASSWORD.*~\/\.pgpass/s);
    expect(said.join('\n')).not.toContain(wrong);

    const port = await unusedLoopbackPort();
    const far = await refused('sweeps.openStudyUrl', { url: `postgresql://sweepdeck:${pg.password}@127.0.0.1:${port}/${db}` });
    expect(far.message).toContain(`postgresql://sweepdeck@127.0.0.1:${port}/${db}`);
    expect(far.message).toMatch(/no PostgreSQL server answers.*Check the host and port/s);

    const inQuery = await refused('sweeps.openStudyUrl', { url: `${withoutPassword()}?sslmode=disable&password=${pg.password}` });
    expect(inQuery.message).toBe(`${withoutPassword()}?sslmode=disable: a password in the URL's query (?password=) is not accepted; put it before the host (postgresql://user:password@host/db), or use PGPASSWORD or ~/.pgpass.`);

    const name = await refused('sweeps.openStudyUrl', { url, studyName: 'nope' });
    expect(name.code).toBe('NOT_FOUND');
    expect(name.message).toBe(`${withoutPassword()} has no study named 'nope'; it holds: 'mixed'. Check the study name.`);
    // Nothing was registered by any of them.
    expect((await call('sweeps.list', {})).sweeps.filter((s) => s.storage === 'postgresql')).toEqual([]);
  });

  it('opens by URL: registered without the password, which is kept encrypted', async () => {
    const opened = await call('sweeps.openStudyUrl', { url });
    expect(opened.notice).toBeNull();
    expect(opened.sweeps).toHaveLength(1);
    const s = opened.sweeps[0]!;
    id = s.id;
    expect(s).toMatchObject({ studyName: 'mixed', studyPath: withoutPassword(), storage: 'postgresql', state: 'ready', finishedTrials: 0, readOnly: null });
    const registry = readFileSync(path.join(dataDir, 'state.json'), 'utf8');
    expect(registry).toContain(withoutPassword());
    expect(registry).not.toContain(pg.password);
    const kept = readFileSync(path.join(dataDir, 'study-passwords.json'), 'utf8');
    expect(kept).toContain(withoutPassword());
    expect(kept).not.toContain(pg.password);
  });

  it('trials a Python Optuna worker writes appear without reopening; a Python-only study is watched read-only', async () => {
    const left = Number((await python(PY_WORKER, [url, '5'])).trim().split('\n').pop());
    const seen = await until('the 5 Python trials and its RUNNING one', async () => {
      const d = (await call('sweeps.get', { id })) as SweepDetail;
      return d.counts.COMPLETE === 5 && d.counts.RUNNING === 1 ? d : null;
    });
    expect(seen.best?.number).toBeGreaterThanOrEqual(0);
    expect(seen.distributions.x).toEqual({ kind: 'float', low: -1, high: 1, step: null, log: false });
    expect(seen.runningElsewhere).toEqual([left]);
    expect(seen.readOnly).toMatch(/^Only Python Optuna/);
    const trials = await call('sweeps.trials', { id });
    expect(trials.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(trials.trials.filter((t) => t.state === 'COMPLETE').every((t) => typeof t.params.x === 'number' && t.value !== null)).toBe(true);

    const panel = await call('sweeps.workers', { id });
    expect(panel.workers).toEqual([{ kind: 'python', host: null, pid: null, running: [left], recentFinished: 5, lastHeartbeatAt: null, heartbeat: 'none', stale: [] }]);
    expect(panel.readOnly).toMatch(/^Only Python Optuna/);

    const stop = await refused('sweeps.stop', { id });
    expect(stop.message).toMatch(/watches it read-only/);
    expect(pg.psql(`SELECT count(*) FROM study_system_attributes WHERE key = '${SYS_STOP_REQUESTED}'`, db).trim()).toBe('0');
  });

  it('the Workers panel groups Sweepdeck workers by host and pid, with heartbeats and stale marks', async () => {
    const s = await openPostgresStudyStorage(url);
    let a0: number;
    let a1: number;
    let b0: number;
    try {
      const studyId = (await s.loadStudy('mixed')).studyId;
      const claim = async (hostName: string, pid: number, slot: number): Promise<number> =>
        (await s.createTrial(studyId, { systemAttrs: { [SYS_WORKER_HOST]: hostName, [SYS_WORKER_PID]: pid, [SYS_WORKER_SLOT]: slot } })).number;
      a0 = await claim('node-a', 4242, 0);
      a1 = await claim('node-a', 4242, 1);
      b0 = await claim('node-b', 77, 0);
    } finally {
      await s.close();
    }
    // node-b's worker went away a minute ago: its heartbeat is past the grace period.
    pg.psql(`UPDATE trial_heartbeats SET heartbeat = LOCALTIMESTAMP - interval '60 seconds' WHERE trial_id = (SELECT trial_id FROM trials WHERE number = ${b0})`, db);
    const panel = await until('the Sweepdeck workers in the panel', async () => {
      const p = await call('sweeps.workers', { id });
      return p.workers.length === 3 ? p : null;
    });
    expect(panel.readOnly).toBeNull();
    const [a, b, py] = panel.workers;
    expect(a).toMatchObject({ kind: 'sweepdeck', host: 'node-a', pid: 4242, running: [a0, a1], heartbeat: 'fresh', stale: [] });
    expect(b).toMatchObject({ kind: 'sweepdeck', host: 'node-b', pid: 77, running: [b0], heartbeat: 'stale', stale: [b0] });
    expect(py).toMatchObject({ kind: 'python', running: [5], heartbeat: 'none' });
    expect(Date.now() - a!.lastHeartbeatAt!).toBeLessThan(Date.now() - b!.lastHeartbeatAt!);
    const summary = (await call('sweeps.list', {})).sweeps.find((x) => x.id === id)!;
    expect(summary).toMatchObject({ state: 'running', runsHere: false, readOnly: null });

    // Logs stay on the machine that ran the trial.
    const far = await refused('sweeps.trialLog', { id, trialNumber: a0, stream: 'stdout' });
    expect(far).toEqual({ code: 'NOT_AVAILABLE', message: `Trial ${a0} ran on node-a (pid 4242): its log is on that machine.` });
    const pyLog = await refused('sweeps.trialLog', { id, trialNumber: 0, stream: 'stdout' });
    expect(pyLog.message).toBe('Trial 0 was run by a Python Optuna (or other non-Sweepdeck) worker: Sweepdeck keeps no log of it.');
  });

  it('Stop writes the stop request into the study; a Resume that cannot start leaves it', async () => {
    const stopped = await call('sweeps.stop', { id });
    expect(stopped.state).toBe('stopping');
    const row = pg.psql(`SELECT value_json FROM study_system_attributes WHERE key = '${SYS_STOP_REQUESTED}'`, db).trim();
    const req = JSON.parse(row) as { at: string; by: string };
    expect(req.by).toBe(`${os.hostname()}:${process.pid}`);
    expect(Number.isNaN(Date.parse(req.at))).toBe(false);
    expect((await call('sweeps.workers', { id })).stopRequested).toEqual(req);

    const resume = await refused('sweeps.resume', { id });
    // A resume that cannot start (no config for a study made elsewhere) says what to give, and the
    // stop request stays: only local workers that did start remove it.
    expect(resume.code).toBe('CONFLICT');
    expect(resume.message).toBe(`The study 'mixed' in ${withoutPassword()} was made elsewhere and has no HPO config here. Resume it with an HPO config file that defines its search space and trial command.`);
    expect(pg.psql(`SELECT count(*) FROM study_system_attributes WHERE key = '${SYS_STOP_REQUESTED}'`, db).trim()).toBe('1');
  });

  it('after a restart the kept password is used (no PGPASSWORD)', async () => {
    await down();
    await up();
    const back = await until('the study read again after the restart', async () => {
      const s = (await call('sweeps.list', {})).sweeps.find((x) => x.id === id);
      return s && s.finishedTrials === 5 ? s : null;
    });
    expect(back.studyPath).toBe(withoutPassword());
    expect(back.state).toBe('stopping');
  });

  it('a server that stops answering for the study is shown with the URL and what to do, and the page recovers', async () => {
    const renamed = `${db}_away`;
    // Nobody may connect while the database is renamed away (the app reconnects at once otherwise).
    pg.psql(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
    pg.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}'`);
    pg.psql(`ALTER DATABASE ${db} RENAME TO ${renamed}`);
    try {
      // (The first read may fail with the terminated connection; then it is the missing database.)
      const failed = await until('the read failure on the sweep', async () => {
        const s = (await call('sweeps.list', {})).sweeps.find((x) => x.id === id);
        return s?.state === 'failed' && s.message?.includes('has no database') ? s : null;
      });
      expect(failed.message).toContain(`${withoutPassword()}: the server has no database '${db}'. Create it`);
      expect(failed.message).toMatch(/showing what was read at/);
      expect(failed.finishedTrials).toBe(5);
      expect((await call('sweeps.workers', { id })).error).toContain(withoutPassword());
    } finally {
      pg.psql(`ALTER DATABASE ${renamed} RENAME TO ${db}`);
      pg.psql(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
    }
    await until('the study read again', async () => {
      const s = (await call('sweeps.list', {})).sweeps.find((x) => x.id === id);
      return s?.state === 'stopping' ? s : null;
    });
  });

  it('a password given in memory only when there is no OS encryption, and said so', async () => {
    await down();
    keyring = { description: 'no keyring here', encrypts: false, encrypt: () => Promise.reject(new Error('no')), decrypt: () => Promise.reject(new Error('no')) };
    rmSync(path.join(dataDir, 'study-passwords.json'));
    await up();
    const opened = await call('sweeps.openStudyUrl', { url });
    expect(opened.notice).toBe(`No OS encryption is available (no keyring here), so the password of ${withoutPassword()} is kept in memory only: give it again after a restart, or use PGPASSWORD or ~/.pgpass.`);
    expect(existsSync(path.join(dataDir, 'study-passwords.json'))).toBe(false);
    expect(opened.sweeps[0]!.finishedTrials).toBe(5);
  });

  it('Resume removes the stop request and starts local workers through the runner on the URL without its password', async () => {
    // The runner that takes study URLs is not in this build: a stand-in records what it is given.
    const started: StartSweepArgs[] = [];
    const real = await loadCore();
    const core: CoreModules = {
      ...real,
      runsStudyUrls: true,
      startSweep: (args) => {
        started.push(args);
        let end: (r: SweepResult) => void = () => undefined;
        const done = new Promise<SweepResult>((r) => (end = r));
        const counts = { finished: 5, complete: 5, pruned: 0, failed: 0, running: 0, waiting: 0 };
        args.onEvent({ type: 'sweep-start', studyName: 'mixed', studyPath: withoutPassword(), resumed: true, maxTrials: 8, counts, staleFailed: [], reoffered: [], runningElsewhere: [] });
        return {
          stop: () => end({ status: 'stopped', counts, best: null, studyName: 'mixed', studyPath: withoutPassword(), checkpointPath: withoutPassword(), checkpointEnabled: true, maxTrials: 8, trialsStarted: 0 }),
          done,
        };
      },
    };
    const other = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgapp-resume-'));
    const svc = await createAppServices({ dataDir: path.join(other, 'data'), host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: other }, azureSecretStore: keyring, urlPollMs: 150, core });
    try {
      // The study's own space (Python sampled x in -1..1): a resume with another asks first.
      writeFileSync(path.join(other, 'hpo.yaml'), quickConfig(8).replace('min: 0.0', 'min: -1.0'));
      const opened = await svc.dispatch('sweeps.openStudyUrl', { url });
      expect(opened.ok, JSON.stringify(opened)).toBe(true);
      expect(pg.psql(`SELECT count(*) FROM study_system_attributes WHERE key = '${SYS_STOP_REQUESTED}'`, db).trim()).toBe('1');
      const resumed = await svc.dispatch('sweeps.resume', { id, configPath: path.join(other, 'hpo.yaml') });
      said.push(JSON.stringify(resumed));
      expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
      expect(pg.psql(`SELECT count(*) FROM study_system_attributes WHERE key = '${SYS_STOP_REQUESTED}'`, db).trim()).toBe('0');
      expect(started).toHaveLength(1);
      expect(started[0]!.config.checkpoint.storage_path).toBe(withoutPassword());
      expect(started[0]!.config.study_name).toBe('mixed');
      // The runner alone gets the kept password, to connect with.
      expect(started[0]!.studyConnection).toBe(url);
      const saved = readFileSync(svc.state.sweep(id)!.configPath!, 'utf8');
      expect(saved).toContain(withoutPassword());
      expect(saved).not.toContain(pg.password);
    } finally {
      await svc.close();
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a URL without a password uses ~/.pgpass (here PGPASSFILE), and keeps nothing', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgapp-pgpass-'));
    const pgpass = path.join(other, 'pgpass');
    const saved = { file: process.env.PGPASSFILE, pw: process.env.PGPASSWORD };
    delete process.env.PGPASSWORD;
    const svc = await createAppServices({ dataDir: path.join(other, 'data'), host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: other }, azureSecretStore: keyring, urlPollMs: 150 });
    try {
      writeFileSync(pgpass, '', { mode: 0o600 });
      process.env.PGPASSFILE = pgpass;
      const none = await svc.dispatch('sweeps.openStudyUrl', { url: withoutPassword() });
      expect(none.ok).toBe(false);
      if (!none.ok) {
        expect(none.error.message.startsWith(`${withoutPassword()}: the server asks user 'sweepdeck' for a password and none was given`), none.error.message).toBe(true);
        expect(none.error.message).toContain('~/.pgpass');
      }
      writeFileSync(pgpass, `${pg.host}:${pg.port}:${db}:${pg.user}:${pg.password}\n`, { mode: 0o600 });
      const opened = await svc.dispatch('sweeps.openStudyUrl', { url: withoutPassword() });
      expect(opened.ok, JSON.stringify(opened)).toBe(true);
      if (opened.ok) {
        const value = opened.value as ChannelOutput<'sweeps.openStudyUrl'>;
        said.push(JSON.stringify(value));
        expect(value.notice).toBeNull();
        expect(value.sweeps[0]).toMatchObject({ studyPath: withoutPassword(), finishedTrials: 5 });
      }
      expect(existsSync(path.join(other, 'data', 'study-passwords.json'))).toBe(false);
    } finally {
      await svc.close();
      if (saved.file === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = saved.file;
      if (saved.pw !== undefined) process.env.PGPASSWORD = saved.pw;
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("a study is polled only while a page holds a sweeps.watch lease on it; without one, a summary asked for reads it again on demand", async () => {
    const addTrial = (): Promise<string> =>
      python('import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.create_study(study_name="leased", storage=sys.argv[1], load_if_exists=True)\ns.optimize(lambda t: t.suggest_float("y", 0, 1), n_trials=1)', [url]);
    await addTrial();
    const other = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgapp-lease-'));
    const svc = await createAppServices({ dataDir: path.join(other, 'data'), host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: other }, azureSecretStore: keyring, urlPollMs: 100, watchLeaseMs: 15_000 });
    const progress: Array<{ id: string; finishedTrials: number }> = [];
    svc.bus.subscribe((m) => {
      if (m.event === 'sweep.progress') progress.push(m.payload as EventPayload<'sweep.progress'>);
    });
    try {
      const opened = await svc.dispatch('sweeps.openStudyUrl', { url: withPassword(pg.password), studyName: 'leased' });
      expect(opened.ok, JSON.stringify(opened)).toBe(true);
      const leasedId = (opened.ok ? (opened.value as ChannelOutput<'sweeps.openStudyUrl'>).sweeps[0]!.id : '') as string;
      expect(svc.sweeps.urlStudyPolled(leasedId)).toBe(false);

      // A page watches it (one lease, long enough for a Python worker to start and write a trial):
      // polled, so the trial arrives as an event without anything asking for the sweep.
      const watched = await svc.dispatch('sweeps.watch', { ids: [leasedId] });
      expect(watched.ok).toBe(true);
      expect(svc.sweeps.urlStudyPolled(leasedId)).toBe(true);
      await addTrial();
      await until('the poll to tell the second trial', async () => progress.some((p) => p.id === leasedId && p.finishedTrials === 2));

      // The lease runs out: the poll stops; a summary asked for still reads the study again.
      await until('the lease to end the poll', async () => !svc.sweeps.urlStudyPolled(leasedId));
      await addTrial();
      await until('a summary to read the third trial', async () => {
        const got = await svc.dispatch('sweeps.get', { id: leasedId });
        return got.ok && (got.value as SweepDetail).finishedTrials === 3;
      });
      expect(svc.sweeps.urlStudyPolled(leasedId)).toBe(false);
    } finally {
      await svc.close();
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('polls are incremental: finished trials read once stay the same objects, new ones are added', async () => {
    await python(
      'import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.create_study(study_name="done", storage=sys.argv[1])\ns.optimize(lambda t: t.suggest_float("y", 0, 1), n_trials=int(sys.argv[2]))',
      [url, '3'],
    );
    const opened = await call('sweeps.openStudyUrl', { url, studyName: 'done' });
    const doneId = opened.sweeps[0]!.id;
    const first = app.sweeps.trialColumns({ id: doneId });
    expect(first.number).toEqual([0, 1, 2]);
    await app.sweeps.refreshUrlStudy(doneId);
    // The same reply: every trial object is the one read before (nothing was rebuilt).
    expect(app.sweeps.trialColumns({ id: doneId })).toBe(first);
    await python('import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.load_study(study_name="done", storage=sys.argv[1])\ns.optimize(lambda t: t.suggest_float("y", 0, 1), n_trials=1)', [url]);
    await app.sweeps.refreshUrlStudy(doneId);
    const next = app.sweeps.trialColumns({ id: doneId });
    expect(next.number).toEqual([0, 1, 2, 3]);
    expect(next.value.slice(0, 3)).toEqual(first.value);
    // A live page asks only for what it lacks (trials after 2, and trial 1 again): the delta holds
    // just those, out of 4 in the study.
    const delta = app.sweeps.trialColumns({ id: doneId, since: { after: 2, numbers: [1] } });
    expect(delta.number).toEqual([1, 3]);
    expect(delta.total).toBe(4);
    expect(app.sweeps.intermediateColumns({ id: doneId, since: { after: 3, numbers: [] } }).number).toEqual([]);
  });

  it('the password is in nothing the app wrote or said', () => {
    expect(said.length).toBeGreaterThan(20);
    for (const text of said) expect(text).not.toContain(pg.password);
    expect(readFileSync(path.join(dataDir, 'state.json'), 'utf8')).not.toContain(pg.password);
  });
});
