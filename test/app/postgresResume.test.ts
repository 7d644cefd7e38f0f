// Resume of a PostgreSQL study in the app runs local workers with the real runner (no stand-in): a
// study started by `sweepdeck sweep run --storage URL`, opened in the app by URL (password in it),
// stopped from the app (the stop request written into the study), then resumed with its config.
// The trials run here to the budget, the stop request is gone, and no file the app wrote holds the
// password.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import type { SecretStore } from '../../electron/core/azure/secretStore.ts';
import { SYS_STOP_REQUESTED, SYS_WORKER_PID } from '../../electron/core/studies/sweepdeckAttrs.ts';
import type { ChannelOutput } from '../../shared/contract.ts';
import { hasOptuna, runPython } from '../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../support/postgresPeer.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';
import { until } from '../support/until.ts';
import { runCli } from '../sweeps/support.ts';
import { readStudy } from '../sweeps/distributed/support.ts';

const STUDY = 'resumed';
const FIRST = 2;
const BUDGET = 6;

/** No OS encryption here: the app keeps the password in memory for the session only. */
const noKeyring: SecretStore = { description: 'no keyring here', encrypts: false, encrypt: () => Promise.reject(new Error('no keyring')), decrypt: () => Promise.reject(new Error('no keyring')) };

/** Every file under `dir`, with its text. */
function filesUnder(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => path.join(dir, rel))
    .filter((file) => statSync(file).isFile())
    .map((file) => ({ file, text: readFileSync(file, 'latin1') }));
}

describe.runIf(hasPostgres() && hasOptuna())('Resume of a PostgreSQL study in the app', () => {
  let pg: PgServer;
  let work: string;
  beforeAll(async () => {
    pg = await startPostgres();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgresume-'));
  }, 120_000);
  afterAll(() => {
    pg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs local workers with the real runner to the budget; the stop request is gone; the password is in no file the app wrote', async () => {
    const url = pg.createDatabase('resume');
    const withoutPassword = url.replace(`:${encodeURIComponent(pg.password)}@`, '@');
    const config = path.join(work, 'hpo.yaml');
    writeFileSync(config, `${quickConfig(BUDGET)}study_name: ${STUDY}\n`);
    writeFileSync(path.join(work, 'trial.mjs'), quickTrial(50));
    const first = await runCli(['sweep', 'run', config, '--storage', url, '--max-trials', String(FIRST), '--no-tracking', '--output-dir', path.join(work, 'cli')], { SWEEPDECK_DATA_DIR: path.join(work, 'clidata') }, work);
    expect(first.code, first.stdout + first.stderr).toBe(0);

    const dataDir = path.join(work, 'data');
    const app: AppServices = await createAppServices({ dataDir, host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: work }, azureSecretStore: noKeyring, urlPollMs: 150 });
    try {
      const opened = await app.dispatch('sweeps.openStudyUrl', { url });
      expect(opened.ok, JSON.stringify(opened)).toBe(true);
      const sweep = (opened.ok ? (opened.value as ChannelOutput<'sweeps.openStudyUrl'>) : null)!.sweeps.find((s) => s.studyName === STUDY)!;
      expect([sweep.studyPath, sweep.finishedTrials]).toEqual([withoutPassword, FIRST]);

      const stopped = await app.dispatch('sweeps.stop', { id: sweep.id });
      expect(stopped.ok, JSON.stringify(stopped)).toBe(true);
      expect((await readStudy(url, STUDY)).study.systemAttrs[SYS_STOP_REQUESTED]).toBeDefined();

      const resumed = await app.dispatch('sweeps.resume', { id: sweep.id, configPath: config });
      expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
      const end = await until(
        'the resumed sweep to reach its budget and end',
        async () => {
          const s = await app.dispatch('sweeps.get', { id: sweep.id });
          if (!s.ok) throw new Error(JSON.stringify(s));
          const d = s.value as ChannelOutput<'sweeps.get'>;
          return d.state !== 'running' && d.state !== 'stopping' && d.finishedTrials === BUDGET ? d : null;
        },
        120_000,
      );
      expect(end.state).toBe('finished');

      const { study, trials } = await readStudy(url, STUDY);
      expect(study.systemAttrs[SYS_STOP_REQUESTED]).toBeUndefined();
      expect(trials.map((t) => [t.number, t.state])).toEqual(Array.from({ length: BUDGET }, (_, n) => [n, 'COMPLETE']));
      // The first trials ran in the CLI process; the rest here, in the app's own runner.
      expect(trials.slice(FIRST).map((t) => t.systemAttrs[SYS_WORKER_PID])).toEqual(Array(BUDGET - FIRST).fill(process.pid));
      expect(trials.slice(0, FIRST).every((t) => t.systemAttrs[SYS_WORKER_PID] !== process.pid)).toBe(true);

      const py = JSON.parse(
        runPython(
          'import sys, json, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.load_study(study_name=sys.argv[2], storage=sys.argv[1])\nprint(json.dumps([t.value for t in s.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]))',
          [url, STUDY],
        )
          .trim()
          .split('\n')
          .pop()!,
      ) as number[];
      expect(py).toEqual(trials.map((t) => t.value));
    } finally {
      await app.close();
    }
    // The registry, state and saved config name the URL without its password; no file holds it.
    const written = filesUnder(dataDir);
    expect(written.some((f) => f.text.includes(withoutPassword))).toBe(true);
    for (const f of written) expect(f.text.includes(pg.password), f.file).toBe(false);
  }, 240_000);

  it('shows how a config\'s search space differs from the study\'s and resumes only on purpose', async () => {
    const url = pg.createDatabase('space');
    const dir = mkdtempSync(path.join(work, 'space-'));
    const config = path.join(dir, 'hpo.yaml');
    writeFileSync(config, `${quickConfig(BUDGET)}study_name: ${STUDY}\n`);
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(10));
    const first = await runCli(['sweep', 'run', config, '--storage', url, '--max-trials', String(FIRST), '--no-tracking', '--output-dir', path.join(dir, 'cli')], { SWEEPDECK_DATA_DIR: path.join(dir, 'clidata') }, dir);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const widened = path.join(dir, 'widened.yaml');
    writeFileSync(widened, `${quickConfig(BUDGET).replace('max: 1.0', 'max: 2.0')}study_name: ${STUDY}\n`);

    const app: AppServices = await createAppServices({ dataDir: path.join(dir, 'data'), host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: dir }, azureSecretStore: noKeyring, urlPollMs: 150 });
    try {
      const opened = await app.dispatch('sweeps.openStudyUrl', { url });
      expect(opened.ok, JSON.stringify(opened)).toBe(true);
      const sweep = (opened.ok ? (opened.value as ChannelOutput<'sweeps.openStudyUrl'>) : null)!.sweeps.find((s) => s.studyName === STUDY)!;
      const diff = await app.dispatch('sweeps.spaceDiff', { id: sweep.id, configPath: widened });
      expect(diff.ok, JSON.stringify(diff)).toBe(true);
      expect((diff.ok ? (diff.value as ChannelOutput<'sweeps.spaceDiff'>) : null)!.changes.map((c) => c.text)).toEqual(['x: range 0..1 → 0..2']);

      const refused = await app.dispatch('sweeps.resume', { id: sweep.id, configPath: widened });
      expect(refused.ok).toBe(false);
      expect(refused.ok ? '' : refused.error.message).toContain(`The search space of ${widened} differs from study '${STUDY}'`);
      expect((await readStudy(url, STUDY)).trials.length).toBe(FIRST);

      const resumed = await app.dispatch('sweeps.resume', { id: sweep.id, configPath: widened, acceptSpaceChange: true, maxTrials: FIRST + 1 });
      expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
      await until('the resumed sweep to add its trial', async () => ((await readStudy(url, STUDY)).trials.filter((t) => t.state === 'COMPLETE').length === FIRST + 1 ? true : null), 120_000);
      await until('the sweep to end', async () => {
        const s = await app.dispatch('sweeps.get', { id: sweep.id });
        return s.ok && (s.value as ChannelOutput<'sweeps.get'>).state !== 'running' ? true : null;
      }, 60_000);
    } finally {
      await app.close();
    }
  }, 240_000);
});
