// The remembered workspace meets the environment: AZURE_* (all three) or MLFLOW_TRACKING_URI win,
// a partly set environment still wins (so setup reports what is missing instead of quietly using
// the choice), and SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE is checked field by field.
import { describe, expect, it } from 'vitest';
import { effectiveWorkspace, envWithChosenWorkspace, parseWorkspacePath, type ChosenWorkspace } from '../../electron/core/azure/workspaceChoice.ts';

const SUB = '11111111-2222-3333-4444-555555555555';
const chosen: ChosenWorkspace = { subscriptionId: SUB, resourceGroup: 'rg-c', workspaceName: 'ws-c', tenantId: 't', region: 'westeurope', kind: 'workspace', mlflowTrackingUri: null, chosenAt: 1 };

describe('effectiveWorkspace / envWithChosenWorkspace', () => {
  it('uses the choice when the environment names no target', () => {
    expect(effectiveWorkspace({ PATH: '/bin' }, chosen)).toMatchObject({ workspaceName: 'ws-c', source: 'chosen', chosen });
    expect(envWithChosenWorkspace({ PATH: '/bin' }, chosen)).toEqual({ PATH: '/bin', AZURE_SUBSCRIPTION_ID: SUB, AZURE_RESOURCE_GROUP: 'rg-c', AZURE_WORKSPACE_NAME: 'ws-c' });
    expect(effectiveWorkspace({}, null)).toBeNull();
  });

  it('lets AZURE_* in the environment win', () => {
    const env = { AZURE_SUBSCRIPTION_ID: SUB, AZURE_RESOURCE_GROUP: 'rg-e', AZURE_WORKSPACE_NAME: 'ws-e' };
    expect(effectiveWorkspace(env, chosen)).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-e', workspaceName: 'ws-e', source: 'environment', chosen: null });
    expect(envWithChosenWorkspace(env, chosen)).toBe(env);
  });

  it('lets a partly set environment or MLFLOW_TRACKING_URI win too', () => {
    const partial = { AZURE_WORKSPACE_NAME: 'ws-e' };
    expect(effectiveWorkspace(partial, chosen)).toBeNull();
    expect(envWithChosenWorkspace(partial, chosen)).toBe(partial);
    const remote = { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' };
    expect(effectiveWorkspace(remote, chosen)).toBeNull();
    expect(envWithChosenWorkspace(remote, chosen)).toBe(remote);
  });
});

describe('parseWorkspacePath', () => {
  it('reads SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE', () => {
    expect(parseWorkspacePath(` ${SUB}/rg-ml/ws-ml `)).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-ml', workspaceName: 'ws-ml' });
  });

  it('names what is wrong', () => {
    expect(() => parseWorkspacePath(`${SUB}/rg-ml`)).toThrow(/is not SUBSCRIPTION\/RESOURCE_GROUP\/WORKSPACE/);
    expect(() => parseWorkspacePath(`${SUB}//ws`)).toThrow(/is not SUBSCRIPTION\/RESOURCE_GROUP\/WORKSPACE/);
    expect(() => parseWorkspacePath('sub/rg/ws')).toThrow(/subscriptionId .*'sub' is not a valid Azure subscription id/);
    expect(() => parseWorkspacePath(`${SUB}/rg/bad name!`)).toThrow(/workspaceName .*'bad name!'/);
  });
});
