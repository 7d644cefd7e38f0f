// Trial notes and "Fail trial" on a PostgreSQL study, in the app and in the CLI, as on study files:
// a note is the trial's user attr `note` (Python Optuna reads it), shown by the app at once; a trial
// a Python worker left RUNNING (no heartbeats) is failed on purpose, and with retry its params are
// offered again; finished trials are refused, naming their state. No reply or output holds the
// password.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import type { SecretStore } from '../../electron/core/azure/secretStore.ts';
import type { ChannelOutput } from '../../shared/contract.ts';
import { hasOptuna, runPython } from '../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../support/postgresPeer.ts';
import { runCli } from '../sweeps/support.ts';

const STUDY = 'edits';
/** No OS encryption here: the app keeps the password in memory for the session only. */
const noKeyring: SecretStore = { description: 'no keyring here', encrypts: false, encrypt: () => Promise.reject(new Error('no keyring')), decrypt: () => Promise.reject(new Error('no keyring')) };

/** Three COMPLETE trials by Python, then two asked and left RUNNING (a worker that died). */
const PY_MAKE = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.create_study(study_name="${STUDY}", storage=sys.argv[1], direction="minimize")
s.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.25) ** 2, n_trials=3)
for _ in range(2):
    t = s.ask()
    t.suggest_float("x", -1, 1)
`;

const PY_READ = `
import sys, json, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.load_study(study_name="${STUDY}", storage=sys.argv[1])
print(json.dumps([[t.number, t.state.name, t.user_attrs.get("note"), t.system_attrs.get("fail_reason")] for t in s.get_trials(deepcopy=False)]))
`;

describe.runIf(hasPostgres() && hasOptuna())('notes and Fail trial on a PostgreSQL study', () => {
  let pg: PgServer;
  let work: string;
  beforeAll(async () => {
    pg = await startPostgres();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgedits-'));
  }, 120_000);
  afterAll(() => {
    pg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the app saves notes and fails a trial left RUNNING elsewhere; the CLI fails one by URL', async () => {
    const url = pg.createDatabase('edits');
    runPython(PY_MAKE, [url]);
    const py = (): Array<[number, string, string | null, string | null]> => JSON.parse(runPython(PY_READ, [url]).trim().split('\n').pop()!) as Array<[number, string, string | null, string | null]>;
    const app: AppServices = await createAppServices({ dataDir: path.join(work, 'data'), host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: work }, azureSecretStore: noKeyring, urlPollMs: 150 });
    const replies: string[] = [];
    try {
      const opened = await app.dispatch('sweeps.openStudyUrl', { url });
      expect(opened.ok, JSON.stringify(opened)).toBe(true);
      const id = (opened.ok ? (opened.value as ChannelOutput<'sweeps.openStudyUrl'>) : null)!.sweeps.find((s) => s.studyName === STUDY)!.id;

      // A note on a finished trial: saved, shown by the app at once, read by Python.
      const note = await app.dispatch('sweeps.setTrialNote', { id, trialNumber: 1, note: 'lr too high' });
      replies.push(JSON.stringify(note));
      expect(note.ok, JSON.stringify(note)).toBe(true);
      const attrs = await app.dispatch('sweeps.trialAttrs', { id, trialNumber: 1 });
      expect(attrs.ok && (attrs.value as ChannelOutput<'sweeps.trialAttrs'>).userAttrs).toEqual({ note: 'lr too high' });
      const missing = await app.dispatch('sweeps.setTrialNote', { id, trialNumber: 99, note: 'x' });
      expect(missing.ok ? null : missing.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('has no trial 99') });

      // Fail trial: refused on a finished trial, naming its state; done on trial 3 with retry.
      const done = await app.dispatch('sweeps.failTrial', { id, trialNumber: 0 });
      replies.push(JSON.stringify(done));
      expect(done.ok ? null : done.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('is not RUNNING elsewhere: it is COMPLETE') });
      const failed = await app.dispatch('sweeps.failTrial', { id, trialNumber: 3, retry: true });
      replies.push(JSON.stringify(failed));
      expect(failed.ok && failed.value).toEqual({ number: 3, state: 'FAIL', reofferedAs: 5 });
      const detail = await app.dispatch('sweeps.get', { id });
      expect(detail.ok && (detail.value as ChannelOutput<'sweeps.get'>).counts).toMatchObject({ COMPLETE: 3, FAIL: 1, RUNNING: 1, WAITING: 1 });
    } finally {
      await app.close();
    }
    for (const r of replies) expect(r).not.toContain(pg.password);

    // The CLI, by URL: trial 4 (also left RUNNING) failed; the output names the URL without its password.
    const cli = await runCli(['sweep', 'fail-trial', url, '--study', STUDY, '--trial', '4'], {}, work);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`trial 4 of study '${STUDY}' is now FAIL (was RUNNING)`);
    expect(cli.stdout + cli.stderr).not.toContain(pg.password);
    const again = await runCli(['sweep', 'fail-trial', url, '--study', STUDY, '--trial', '4'], {}, work);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`trial 4 of study '${STUDY}' is already FAIL; finished trials are never changed.`);

    expect(py()).toEqual([
      [0, 'COMPLETE', null, null],
      [1, 'COMPLETE', 'lr too high', null],
      [2, 'COMPLETE', null, null],
      [3, 'FAIL', null, 'failed on purpose by the user (Sweepdeck app, running elsewhere)'],
      [4, 'FAIL', null, 'failed on purpose by the user (sweepdeck sweep fail-trial)'],
      [5, 'WAITING', null, null],
    ]);
  }, 240_000);
});
