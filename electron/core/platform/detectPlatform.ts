// Where are we running: a workstation, Google Colab, Kaggle, or Azure ML compute? Decided from
// environment variables first (set by each service's runtime) and a few well-known folders, both
// injected so every case is unit-testable on any machine.
import fs from 'node:fs';

export type PlatformKind = 'local' | 'colab' | 'kaggle' | 'azureml';

export interface PlatformProbe {
  env: Record<string, string | undefined>;
  /** True when the path exists (file or folder). */
  exists(path: string): boolean;
}

export interface PlatformInfo {
  kind: PlatformKind;
  /** What gave it away, e.g. "env KAGGLE_KERNEL_RUN_TYPE" (for the setup report). */
  evidence: string;
  /** Azure ML compute only: the workspace the job runs in, from the AZUREML_ARM_* variables. */
  azureWorkspace?: { subscriptionId?: string; resourceGroup?: string; workspaceName?: string };
}

export function nodeProbe(env: Record<string, string | undefined> = process.env): PlatformProbe {
  return { env, exists: (p) => fs.existsSync(p) };
}

const has = (env: PlatformProbe['env'], name: string): boolean => (env[name] ?? '') !== '';

/**
 * Order matters: Azure ML first (its jobs may run any image, including notebook images with
 * other platforms' leftovers), then Kaggle, then Colab, else local.
 */
export function detectPlatform(probe: PlatformProbe = nodeProbe()): PlatformInfo {
  const { env } = probe;

  // Azure ML jobs set AZUREML_RUN_ID and the AZUREML_ARM_* workspace triple; compute instances
  // set CI_WORKSPACE / CI_RESOURCE_GROUP (and no run id).
  const amlVar = ['AZUREML_RUN_ID', 'AZUREML_ARM_WORKSPACE_NAME', 'AZUREML_ARM_SUBSCRIPTION'].find((n) => has(env, n));
  if (amlVar || (has(env, 'CI_WORKSPACE') && has(env, 'CI_RESOURCE_GROUP'))) {
    const ws = {
      ...(env.AZUREML_ARM_SUBSCRIPTION ? { subscriptionId: env.AZUREML_ARM_SUBSCRIPTION } : {}),
      ...(env.AZUREML_ARM_RESOURCEGROUP || env.CI_RESOURCE_GROUP ? { resourceGroup: env.AZUREML_ARM_RESOURCEGROUP || env.CI_RESOURCE_GROUP } : {}),
      ...(env.AZUREML_ARM_WORKSPACE_NAME || env.CI_WORKSPACE ? { workspaceName: env.AZUREML_ARM_WORKSPACE_NAME || env.CI_WORKSPACE } : {}),
    };
    return { kind: 'azureml', evidence: amlVar ? `env ${amlVar}` : 'env CI_WORKSPACE + CI_RESOURCE_GROUP', azureWorkspace: ws };
  }

  const kaggleVar = ['KAGGLE_KERNEL_RUN_TYPE', 'KAGGLE_URL_BASE'].find((n) => has(env, n));
  if (kaggleVar) return { kind: 'kaggle', evidence: `env ${kaggleVar}` };
  // /kaggle/working alone is a strong sign: nothing else creates it.
  if (probe.exists('/kaggle/working')) return { kind: 'kaggle', evidence: 'folder /kaggle/working' };

  const colabVar = ['COLAB_RELEASE_TAG', 'COLAB_GPU', 'COLAB_BACKEND_VERSION'].find((n) => has(env, n));
  if (colabVar) return { kind: 'colab', evidence: `env ${colabVar}` };
  // /content by itself could be anyone's folder; Colab's runtime also ships /content/sample_data
  // or has Drive mounted under /content/drive.
  if (probe.exists('/content') && (probe.exists('/content/sample_data') || probe.exists('/content/drive'))) {
    return { kind: 'colab', evidence: 'folder /content with sample_data or drive' };
  }

  return { kind: 'local', evidence: 'no cloud notebook or Azure ML markers' };
}
