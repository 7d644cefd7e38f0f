// Shared by the mirror tests: an in-process connection to the double's workspace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServicePrincipalCredential } from '../../../electron/core/azure/credentials.ts';
import type { AzureFetchOptions } from '../../../electron/core/azure/azureFetch.ts';
import { connectWorkspace } from '../../../electron/core/azure/mirror/workspaceMirror.ts';
import type { WorkspaceRef } from '../../../electron/core/azure/workspace.ts';
import type { TrackingStore } from '../../../electron/core/tracking/types.ts';
import type { AzureMlflowDouble } from '../../support/azureMlflowDouble.ts';

export function refOf(d: AzureMlflowDouble): WorkspaceRef {
  return { subscriptionId: d.double.subscriptionId, resourceGroup: d.double.resourceGroup, workspaceName: d.double.workspaceName };
}

export function credentialOf(d: AzureMlflowDouble): ServicePrincipalCredential {
  const x = d.double;
  return new ServicePrincipalCredential({ tenantId: x.tenantId, clientId: x.clientId, clientSecret: x.clientSecret, authorityHost: x.url, ca: x.caPem, timeoutMs: 10_000 });
}

export function envOf(d: AzureMlflowDouble): Record<string, string> {
  const { NODE_EXTRA_CA_CERTS: _ca, ...env } = d.double.env();
  return env;
}

/** The Azure-limited store on the double, in-process (the double's CA passed explicitly). */
export async function azureStoreOn(d: AzureMlflowDouble, fetch: AzureFetchOptions = {}): Promise<TrackingStore> {
  const { store } = await connectWorkspace({ ref: refOf(d), credential: credentialOf(d), env: envOf(d), ca: d.double.caPem, timeoutMs: 10_000, fetch: { ca: d.double.caPem, ...fetch } });
  return store;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
