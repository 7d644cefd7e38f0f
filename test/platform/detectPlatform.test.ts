// Platform detection and local store folders with an injected environment and file system, so
// Colab, Kaggle and Azure ML are exercised on any machine.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPlatform, type PlatformProbe } from '../../electron/core/platform/detectPlatform.ts';
import { localStoreDir } from '../../electron/core/platform/localPaths.ts';
import { resolveStoreUri } from '../../electron/core/tracking/openStore.ts';
import { TrackingSetupError, setupTrackingCrossPlatform, sqliteUri } from '../../electron/core/tracking/setup.ts';

function fakeProbe(env: Record<string, string | undefined>, paths: string[] = []): PlatformProbe & { asked: string[] } {
  const asked: string[] = [];
  return {
    env,
    asked,
    exists: (p) => {
      asked.push(p);
      return paths.includes(p);
    },
  };
}

describe('detectPlatform', () => {
  it('is local with no markers', () => {
    const p = fakeProbe({ HOME: '/home/me', PATH: '/usr/bin' });
    expect(detectPlatform(p).kind).toBe('local');
  });

  it('recognises Colab by its runtime variables', () => {
    for (const name of ['COLAB_RELEASE_TAG', 'COLAB_GPU', 'COLAB_BACKEND_VERSION']) {
      const info = detectPlatform(fakeProbe({ [name]: 'x' }));
      expect(info.kind, name).toBe('colab');
      expect(info.evidence).toContain(name);
    }
  });

  it('recognises Colab by /content with sample_data or drive, but not by /content alone', () => {
    expect(detectPlatform(fakeProbe({}, ['/content', '/content/sample_data'])).kind).toBe('colab');
    expect(detectPlatform(fakeProbe({}, ['/content', '/content/drive'])).kind).toBe('colab');
    expect(detectPlatform(fakeProbe({}, ['/content'])).kind).toBe('local');
  });

  it('recognises Kaggle by variables or /kaggle/working', () => {
    expect(detectPlatform(fakeProbe({ KAGGLE_KERNEL_RUN_TYPE: 'Interactive' })).kind).toBe('kaggle');
    expect(detectPlatform(fakeProbe({ KAGGLE_URL_BASE: 'https://www.kaggle.com' })).kind).toBe('kaggle');
    const byFolder = detectPlatform(fakeProbe({}, ['/kaggle/working']));
    expect(byFolder).toMatchObject({ kind: 'kaggle', evidence: 'folder /kaggle/working' });
  });

  it('recognises an Azure ML job and reads its workspace from AZUREML_ARM_*', () => {
    const info = detectPlatform(
      fakeProbe({
        AZUREML_RUN_ID: 'sweep_job_1_0',
        AZUREML_ARM_SUBSCRIPTION: '11111111-2222-3333-4444-555555555555',
        AZUREML_ARM_RESOURCEGROUP: 'rg-ml',
        AZUREML_ARM_WORKSPACE_NAME: 'ws-ml',
      }),
    );
    expect(info.kind).toBe('azureml');
    expect(info.azureWorkspace).toEqual({ subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroup: 'rg-ml', workspaceName: 'ws-ml' });
  });

  it('recognises an Azure ML compute instance by CI_WORKSPACE + CI_RESOURCE_GROUP', () => {
    const info = detectPlatform(fakeProbe({ CI_WORKSPACE: 'ws-ci', CI_RESOURCE_GROUP: 'rg-ci' }));
    expect(info).toMatchObject({ kind: 'azureml', azureWorkspace: { resourceGroup: 'rg-ci', workspaceName: 'ws-ci' } });
    // One of the pair is not enough (CI_WORKSPACE alone is a common CI variable name).
    expect(detectPlatform(fakeProbe({ CI_WORKSPACE: '/builds/x' })).kind).toBe('local');
  });

  it('puts Azure ML before Kaggle before Colab, and ignores empty variables', () => {
    expect(detectPlatform(fakeProbe({ AZUREML_RUN_ID: 'r', KAGGLE_URL_BASE: 'k', COLAB_GPU: '1' })).kind).toBe('azureml');
    expect(detectPlatform(fakeProbe({ KAGGLE_URL_BASE: 'k', COLAB_GPU: '1' })).kind).toBe('kaggle');
    expect(detectPlatform(fakeProbe({ AZUREML_RUN_ID: '', KAGGLE_URL_BASE: '', COLAB_GPU: '' })).kind).toBe('local');
  });
});

describe('localStoreDir', () => {
  it('uses Google Drive on Colab when it is mounted, /content otherwise (not persistent)', () => {
    const withDrive = fakeProbe({ COLAB_GPU: '0' }, ['/content/drive/MyDrive']);
    expect(localStoreDir(detectPlatform(withDrive), withDrive, '/ignored')).toMatchObject({ dir: '/content/drive/MyDrive/sweepdeck', persistent: true });
    const noDrive = fakeProbe({ COLAB_GPU: '0' });
    expect(localStoreDir(detectPlatform(noDrive), noDrive, '/ignored')).toMatchObject({ dir: '/content/sweepdeck', persistent: false });
  });

  it('uses /kaggle/working on Kaggle', () => {
    const p = fakeProbe({ KAGGLE_KERNEL_RUN_TYPE: 'Batch' });
    expect(localStoreDir(detectPlatform(p), p, '/ignored').dir).toBe('/kaggle/working/sweepdeck');
  });

  it('uses the given output folder locally (made absolute) and its outputs/ on Azure ML', () => {
    const local = fakeProbe({});
    expect(localStoreDir(detectPlatform(local), local, 'rel/data').dir).toBe(path.resolve('rel/data'));
    const aml = fakeProbe({ AZUREML_RUN_ID: 'r' });
    expect(localStoreDir(detectPlatform(aml), aml, '/mnt/job').dir).toBe(path.resolve('/mnt/job/outputs/sweepdeck'));
  });
});

describe('setupTrackingCrossPlatform on each platform without Azure', () => {
  it('chooses the platform folder for the local store and says Azure is not configured', async () => {
    const cases: [Record<string, string>, string[], string][] = [
      [{ COLAB_RELEASE_TAG: 'release-colab_2024' }, ['/content/drive/MyDrive'], '/content/drive/MyDrive/sweepdeck'],
      [{ COLAB_RELEASE_TAG: 'release-colab_2024' }, [], '/content/sweepdeck'],
      [{ KAGGLE_KERNEL_RUN_TYPE: 'Interactive' }, [], '/kaggle/working/sweepdeck'],
      [{}, [], path.resolve('/data/sweepdeck-app')],
    ];
    for (const [env, paths, dir] of cases) {
      const r = await setupTrackingCrossPlatform({ experimentName: 'exp', env, platformProbe: fakeProbe(env, paths), outputDir: '/data/sweepdeck-app' });
      expect(r.mode).toBe('local');
      expect(r.reasonCode).toBe('NOT_CONFIGURED');
      expect(r.localDir).toBe(dir);
      expect(r.trackingUri).toBe(`sqlite:///${dir}/mlflow.db`);
    }
  });

  it('an explicit localDir wins over the platform folder', async () => {
    const env = { KAGGLE_KERNEL_RUN_TYPE: 'Interactive' };
    const r = await setupTrackingCrossPlatform({ experimentName: 'exp', env, platformProbe: fakeProbe(env), localDir: '/tmp/mine' });
    expect(r.trackingUri).toBe('sqlite:////tmp/mine/mlflow.db');
    expect(r.platform.kind).toBe('kaggle');
  });

  it('with fallbackToLocal false and nothing configured, it is an error with NOT_CONFIGURED', async () => {
    const env = {};
    await expect(setupTrackingCrossPlatform({ experimentName: 'exp', env, platformProbe: fakeProbe(env), fallbackToLocal: false })).rejects.toMatchObject({
      name: 'TrackingSetupError',
      reasonCode: 'NOT_CONFIGURED',
    });
  });

  it('a sqlite MLFLOW_TRACKING_URI is used as the local store as given', async () => {
    const env = { MLFLOW_TRACKING_URI: 'sqlite:////srv/mlflow/mlflow.db' };
    const r = await setupTrackingCrossPlatform({ experimentName: 'exp', env, platformProbe: fakeProbe(env) });
    expect(r).toMatchObject({ mode: 'local', trackingUri: 'sqlite:////srv/mlflow/mlflow.db' });
    expect(r.reasonCode).toBeUndefined();
  });

  it('rejects an unknown MLFLOW_TRACKING_URI scheme with a reason naming it', async () => {
    const env = { MLFLOW_TRACKING_URI: 'databricks' };
    const r = await setupTrackingCrossPlatform({ experimentName: 'exp', env, platformProbe: fakeProbe(env), localDir: '/tmp/x' });
    expect(r.mode).toBe('local');
    expect(r.reasonCode).toBe('NOT_CONFIGURED');
    const env2 = { MLFLOW_TRACKING_URI: 'ftp://host/x' };
    const r2 = await setupTrackingCrossPlatform({ experimentName: 'exp', env: env2, platformProbe: fakeProbe(env2), localDir: '/tmp/x' });
    expect(r2.reason).toContain("'ftp://host/x'");
  });

  it('requires a non-empty experiment name', async () => {
    for (const bad of ['', '   ', undefined as unknown as string]) {
      await expect(setupTrackingCrossPlatform({ experimentName: bad, env: {}, platformProbe: fakeProbe({}) })).rejects.toThrow(/experimentName is required/);
    }
    await expect(setupTrackingCrossPlatform({ experimentName: 'x'.repeat(501), env: {}, platformProbe: fakeProbe({}) })).rejects.toBeInstanceOf(TrackingSetupError);
  });

  it('rejects a bad SWEEPDECK_AZURE_TIMEOUT_MS naming the variable', async () => {
    const env = { SWEEPDECK_AZURE_TIMEOUT_MS: 'soon' };
    await expect(setupTrackingCrossPlatform({ experimentName: 'e', env, platformProbe: fakeProbe(env) })).rejects.toThrow(/SWEEPDECK_AZURE_TIMEOUT_MS='soon'/);
  });
});

describe('sqliteUri', () => {
  it('is sqlite:/// followed by the absolute path, as MLflow and SQLAlchemy spell absolute paths', () => {
    expect(sqliteUri('/a/b')).toBe('sqlite:////a/b/mlflow.db');
    expect(sqliteUri('rel')).toBe(`sqlite:///${path.resolve('rel', 'mlflow.db')}`);
  });

  it('leads the store opener to that same absolute file', () => {
    expect(resolveStoreUri(sqliteUri('/srv/track'), '/elsewhere')).toMatchObject({ kind: 'sqlite', file: '/srv/track/mlflow.db' });
  });
});
