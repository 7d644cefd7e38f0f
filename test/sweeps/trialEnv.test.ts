// A trial never sees a credential of the app's: the policy of trialEnv.ts, and a real sweep run by
// the CLI with a service principal and tokens exported, whose trial dumps its environment.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWithheldFromTrials, trialEnvironment } from '../../electron/core/sweeps/trialEnv.ts';
import { configInput, runCli, tmpDir, writeConfig } from './support.ts';

const APP_SECRETS: Record<string, string> = {
  AZURE_CLIENT_ID: 'sp-client-id-1234',
  AZURE_TENANT_ID: 'sp-tenant-id-5678',
  AZURE_CLIENT_SECRET: 'sp-secret-value-9abc',
  AZURE_CLIENT_CERTIFICATE_PASSWORD: 'cert-pass-def0',
  MLFLOW_TRACKING_USERNAME: 'tracker-user',
  MLFLOW_TRACKING_PASSWORD: 'tracker-pass-1357',
  SWEEPDECK_HOST_TOKEN: 'host-token-2468',
  GITHUB_TOKEN: 'ghp-token-3579',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-4680',
  OPENAI_API_KEY: 'openai-key-5791',
  PGPASSWORD: 'pg-pass-6802',
};

describe('trial environment policy', () => {
  it('withholds the app credentials and secret-looking names, keeps ordinary variables', () => {
    for (const name of Object.keys(APP_SECRETS)) expect(isWithheldFromTrials(name), name).toBe(true);
    for (const name of ['MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_RUN_ID', 'SWEEPDECK_TRACKING_TOKEN', 'azure_client_secret', 'MSI_SECRET', 'IDENTITY_HEADER']) {
      expect(isWithheldFromTrials(name), name).toBe(true);
    }
    for (const name of ['PATH', 'HOME', 'LANG', 'CUDA_VISIBLE_DEVICES', 'TOKENIZERS_PARALLELISM', 'PYTHONPATH', 'AZUREML_RUN_ID', 'PWD']) {
      expect(isWithheldFromTrials(name), name).toBe(false);
    }
  });

  it('builds the trial env: inherited minus withheld, then trial.env, then the sweep variables', () => {
    const env = trialEnvironment({
      inherited: { PATH: '/usr/bin', HOME: '/home/u', MLFLOW_TRACKING_URI: 'https://u:p@tracker.example', ...APP_SECRETS },
      user: { HF_TOKEN: 'asked-for-by-the-user', MLFLOW_RUN_ID: 'user-tried-this' },
      sweep: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:4000', MLFLOW_TRACKING_TOKEN: 'endpoint-token', MLFLOW_RUN_ID: 'run-7', MLFLOW_EXPERIMENT_ID: '3' },
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      PYTHONUNBUFFERED: '1',
      HF_TOKEN: 'asked-for-by-the-user',
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:4000',
      MLFLOW_TRACKING_TOKEN: 'endpoint-token',
      MLFLOW_RUN_ID: 'run-7',
      MLFLOW_EXPERIMENT_ID: '3',
    });
  });
});

describe('a trial run by `sweepdeck sweep run`', () => {
  it('sees its endpoint and trial.env but none of the exported credentials', async () => {
    const dir = tmpDir('trialenv');
    const out = path.join(dir, 'out');
    // The trial writes its whole environment into its trial dir, then reports its objective.
    const dump = `require('node:fs').writeFileSync(require('node:path').join(process.env.SWEEPDECK_TRIAL_DIR, 'env.json'), JSON.stringify(process.env)); console.log('score=1')`;
    const config = writeConfig(
      dir,
      configInput({
        sampling: { algorithm: 'random', max_trials: 1, max_concurrent_trials: 1, seed: 1 },
        trial: { command: [process.execPath, '-e', dump], env: { MY_SETTING: 'mine' } },
      }),
    );
    // No workspace named: tracking goes to the local store (no traffic leaves the machine), yet the
    // service principal's variables are all there for the runner to hold.
    const r = await runCli(['sweep', 'run', config, '--output-dir', out], { ...APP_SECRETS, SWEEPDECK_TRACKING_TOKEN: 'endpoint-token-fixed' }, dir);
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(out, 'tiny', 'trial_0', 'env.json');
    expect(existsSync(file), `${file} missing; stdout: ${r.stdout}`).toBe(true);
    const seen = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    const leaked = Object.keys(APP_SECRETS).filter((k) => k in seen);
    expect(leaked).toEqual([]);
    const dumped = JSON.stringify(seen);
    for (const value of Object.values(APP_SECRETS)) expect(dumped).not.toContain(value);
    expect(seen.SWEEPDECK_TRACKING_TOKEN).toBeUndefined();
    // What the trial needs: its loopback endpoint with the endpoint's token, its run, its own setting.
    expect(seen.MLFLOW_TRACKING_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(seen.MLFLOW_TRACKING_TOKEN).toBe('endpoint-token-fixed');
    expect(seen.MLFLOW_RUN_ID).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.MLFLOW_EXPERIMENT_ID).toBeTruthy();
    expect(seen.MY_SETTING).toBe('mine');
    expect(seen.SWEEPDECK_TRIAL_NUMBER).toBe('0');
    expect(seen.PATH).toBe(process.env.PATH);
  }, 60_000);
});
