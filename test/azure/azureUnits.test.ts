// Pieces of Azure setup that need no server: the tracking-URI mapping, input checks, redaction,
// and remote mode against the project's real embedded MLflow endpoint (loopback http).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../electron/core/azure/azureErrors.ts';
import { ServicePrincipalCredential } from '../../electron/core/azure/credentials.ts';
import { mlflowRestBaseFromTrackingUri } from '../../electron/core/azure/endpoints.ts';
import { validateWorkspaceRef } from '../../electron/core/azure/workspace.ts';
import { setupTrackingCrossPlatform } from '../../electron/core/tracking/setup.ts';
import { startTrackingEndpoint, type TrackingEndpoint } from '../../electron/core/tracking/endpoint/server.ts';
import { openSqliteStore } from '../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { TrackingStore } from '../../electron/core/tracking/types.ts';

describe('mlflowRestBaseFromTrackingUri', () => {
  it('maps azureml:// the way the azureml-mlflow plugin does: same host, /mlflow/v2.0, the workspace scope', () => {
    const sub = '11111111-2222-3333-4444-555555555555';
    const scope = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws`;
    // ARM reports /mlflow/v1.0 in the URI; MLflow 2.x/3.x clients call /mlflow/v2.0 (mlflow #11462 logs).
    expect(mlflowRestBaseFromTrackingUri(`azureml://westeurope.api.azureml.ms/mlflow/v1.0${scope}`)).toBe(`https://westeurope.api.azureml.ms/mlflow/v2.0${scope}`);
    // A private-link host keeps its own name; a trailing slash or query is not part of the base.
    expect(mlflowRestBaseFromTrackingUri(`azureml://abc123.workspace.westeurope.api.azureml.ms/mlflow/v1.0${scope}/?x=1`)).toBe(
      `https://abc123.workspace.westeurope.api.azureml.ms/mlflow/v2.0${scope}`,
    );
    expect(() => mlflowRestBaseFromTrackingUri('azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s')).toThrow(/names no workspace/);
  });

  it('keeps https, allows http only on loopback, refuses other schemes', () => {
    expect(mlflowRestBaseFromTrackingUri('https://h.example/x')).toBe('https://h.example/x');
    expect(mlflowRestBaseFromTrackingUri('http://127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(() => mlflowRestBaseFromTrackingUri('http://tracking.example.com')).toThrow(/scheme 'http:'/);
    expect(() => mlflowRestBaseFromTrackingUri('not a uri')).toThrow(/is not a URI/);
  });
});

describe('input checks', () => {
  it('names the bad workspace field and its variable', () => {
    expect(() => validateWorkspaceRef({ subscriptionId: 'my-sub', resourceGroup: 'rg', workspaceName: 'ws' })).toThrow(/subscriptionId \(AZURE_SUBSCRIPTION_ID\) 'my-sub'/);
    expect(() => validateWorkspaceRef({ subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroup: 'rg', workspaceName: 'bad name!' })).toThrow(/AZURE_WORKSPACE_NAME/);
  });

  it('refuses an http authority host (msal-node would) with NO_CREDENTIAL', () => {
    expect(() => new ServicePrincipalCredential({ tenantId: 't', clientId: 'c', clientSecret: 'supersecret', authorityHost: 'http://127.0.0.1:1' })).toThrow(/must use https/);
    expect(() => new ServicePrincipalCredential({ tenantId: 'bad tenant', clientId: 'c', clientSecret: 'supersecret' })).toThrow(/AZURE_TENANT_ID/);
    expect(() => new ServicePrincipalCredential({ tenantId: 't', clientId: '', clientSecret: 'supersecret' })).toThrow(/clientId missing/);
  });
});

describe('redact', () => {
  it('removes given secrets, bearer tokens, JWTs and secret form fields', () => {
    const jwt = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2lnbmF0dXJl';
    const text = `secret s3cr3t-value here; Authorization: Bearer abc.def-123; token ${jwt}; body client_secret=xyz987&scope=a; {"access_token":"tok123"}`;
    const out = redact(text, ['s3cr3t-value']);
    for (const leaked of ['s3cr3t-value', 'abc.def-123', jwt, 'xyz987', 'tok123']) expect(out).not.toContain(leaked);
    expect(out).toContain('scope=a');
    expect(redact('body grant=x&secret=a%2Bb%7Ec%3D1', ['a+b~c=1'])).not.toContain('a%2Bb');
  });
});

describe('remote mode (MLFLOW_TRACKING_URI) against the embedded MLflow endpoint', () => {
  let dir: string;
  let store: TrackingStore;
  let endpoint: TrackingEndpoint;
  let failing: http.Server;
  let failingUrl: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-remote-'));
    store = openSqliteStore(path.join(dir, 'mlflow.db'), { create: true });
    endpoint = await startTrackingEndpoint({ store });
    failing = http.createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'database is locked' }));
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await endpoint.close();
    await store.close();
    await new Promise<void>((r) => failing.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (env: Record<string, string>, fallbackToLocal = true) =>
    setupTrackingCrossPlatform({ experimentName: 'exp-remote', env, platformProbe: { env, exists: () => false }, localDir: dir, fallbackToLocal, timeoutMs: 5_000 });

  it('with the right token: mode remote, the URI as given, and a token provider', async () => {
    const r = await run({ MLFLOW_TRACKING_URI: `${endpoint.url}/`, MLFLOW_TRACKING_TOKEN: endpoint.token });
    expect(r).toMatchObject({ mode: 'remote', trackingUri: endpoint.url });
    expect(await r.tokenProvider?.()).toBe(endpoint.token);
  });

  it('with a wrong token: local with ENDPOINT_FAILING, and the token is not in the reason', async () => {
    const r = await run({ MLFLOW_TRACKING_URI: endpoint.url, MLFLOW_TRACKING_TOKEN: 'wrong-token-123456' });
    expect(r.mode).toBe('local');
    expect(r.reasonCode).toBe('ENDPOINT_FAILING');
    expect(r.reason).toMatch(/HTTP 401/);
    expect(r.reason).not.toContain('wrong-token-123456');
  });

  it('a server answering 503: ENDPOINT_FAILING; with fallback off it throws', async () => {
    const r = await run({ MLFLOW_TRACKING_URI: failingUrl });
    expect(r).toMatchObject({ mode: 'local', reasonCode: 'ENDPOINT_FAILING' });
    expect(r.reason).toMatch(/HTTP 503 TEMPORARILY_UNAVAILABLE/);
    await expect(run({ MLFLOW_TRACKING_URI: failingUrl }, false)).rejects.toMatchObject({ reasonCode: 'ENDPOINT_FAILING' });
  });
});
