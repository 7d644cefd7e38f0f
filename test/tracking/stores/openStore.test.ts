// Tracking URIs to stores: SQLite URIs and paths (SQLAlchemy's slash rule), mlruns/ folders and
// file: URIs, and the REST store loaded lazily for http(s).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTrackingStore, resolveStoreUri } from '../../../electron/core/tracking/openStore.ts';
import { FIXTURES } from '../../support/peers.ts';
import { FIXTURE_DBS, FIXTURE_MLRUNS, tempDir } from './storeSupport.ts';

describe('resolveStoreUri', () => {
  it('follows SQLAlchemy: sqlite:/// then the path, relative to the working directory', () => {
    expect(resolveStoreUri('sqlite:///mlflow.db', '/work/x')).toEqual({ kind: 'sqlite', file: '/work/x/mlflow.db', uri: 'sqlite:////work/x/mlflow.db' });
    expect(resolveStoreUri('sqlite:////abs/path/mlflow.db', '/work/x')).toMatchObject({ kind: 'sqlite', file: '/abs/path/mlflow.db' });
    expect(resolveStoreUri('out/mlflow.db', '/work/x')).toMatchObject({ kind: 'sqlite', file: '/work/x/out/mlflow.db' });
    expect(() => resolveStoreUri('sqlite://host/x.db')).toThrow(/three slashes/);
    expect(() => resolveStoreUri('sqlite:///:memory:')).toThrow(/names no file/);
  });

  it('finds mlruns/ folders directly, inside a folder, or as file: URIs', () => {
    const root = path.dirname(FIXTURE_MLRUNS);
    expect(resolveStoreUri(FIXTURE_MLRUNS)).toMatchObject({ kind: 'file', root: FIXTURE_MLRUNS });
    expect(resolveStoreUri(root)).toMatchObject({ kind: 'file', root: FIXTURE_MLRUNS });
    expect(resolveStoreUri(`file://${FIXTURE_MLRUNS}`)).toMatchObject({ kind: 'file', root: FIXTURE_MLRUNS, uri: `file://${FIXTURE_MLRUNS}` });
  });

  it('sends http(s) and azureml to the REST store and refuses what it cannot open', () => {
    expect(resolveStoreUri('http://127.0.0.1:5000/')).toEqual({ kind: 'rest', uri: 'http://127.0.0.1:5000' });
    const scope = '/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w';
    expect(resolveStoreUri(`azureml://westeurope.api.azureml.ms/mlflow/v1.0${scope}`)).toEqual({ kind: 'rest', uri: `https://westeurope.api.azureml.ms/mlflow/v2.0${scope}` });
    expect(() => resolveStoreUri('azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s')).toThrow(/names no workspace/);
    expect(() => resolveStoreUri('ftp://x/y')).toThrow(/Unsupported tracking URI scheme/);
    const empty = tempDir();
    mkdirSync(path.join(empty, 'sub'));
    expect(() => resolveStoreUri(empty)).toThrow(/neither a SQLite file .* nor a folder holding MLflow's mlruns/);
  });
});

describe('openTrackingStore', () => {
  it('opens each kind of store', async () => {
    const sqlite = await openTrackingStore(`sqlite:///${FIXTURE_DBS['2.22']}`, { readOnly: true });
    expect(sqlite).toMatchObject({ kind: 'sqlite', readOnly: true });
    expect((await sqlite.getExperimentByName('resume_ner_baseline-hpo-distilbert'))?.experiment_id).toBe('1');
    await sqlite.close();
    const files = await openTrackingStore(path.join(FIXTURES, 'mlflow-2.12.2'));
    expect(files).toMatchObject({ kind: 'file', readOnly: true });
    await files.close();
    const created = path.join(tempDir(), 'deep', 'er', 'mlflow.db');
    const fresh = await openTrackingStore(created, { create: true });
    expect((await fresh.getExperiment('0')).name).toBe('Default');
    await fresh.close();
    await expect(openTrackingStore(path.join(tempDir(), 'absent.db'))).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('loads the REST store for http(s) URIs', async () => {
    const rest = await openTrackingStore('http://127.0.0.1:9/');
    expect(rest.kind).toBe('rest');
    await rest.close();
  });
});
