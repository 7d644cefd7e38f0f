// Where the local tracking store (mlflow.db) and other local state go on each platform. On
// notebooks the choice is about surviving the session: Colab's /content is wiped with the VM,
// Drive is not; Kaggle keeps /kaggle/working as the notebook's output.
import path from 'node:path';
import type { PlatformInfo, PlatformProbe } from './detectPlatform.ts';

export const COLAB_DRIVE = '/content/drive/MyDrive';
export const KAGGLE_WORKING = '/kaggle/working';
const APP_FOLDER = 'sweepdeck';

export interface LocalStoreDir {
  dir: string;
  /** Why this folder, for the setup report. */
  why: string;
  /** False when the data will vanish with the session (Colab without Drive). */
  persistent: boolean;
}

/**
 * @param outputDir the caller's output folder: used on a workstation (the desktop app passes its
 *   data folder, the CLI the current directory) and on Azure ML compute.
 */
export function localStoreDir(platform: PlatformInfo, probe: Pick<PlatformProbe, 'exists'>, outputDir: string): LocalStoreDir {
  switch (platform.kind) {
    case 'colab':
      if (probe.exists(COLAB_DRIVE)) {
        return { dir: path.posix.join(COLAB_DRIVE, APP_FOLDER), why: 'Colab with Google Drive mounted', persistent: true };
      }
      return { dir: path.posix.join('/content', APP_FOLDER), why: 'Colab without Drive (mount Drive to keep runs after the session ends)', persistent: false };
    case 'kaggle':
      return { dir: path.posix.join(KAGGLE_WORKING, APP_FOLDER), why: 'Kaggle working directory (kept as notebook output)', persistent: true };
    case 'azureml':
      // Files under ./outputs of an Azure ML job are uploaded with the job.
      return { dir: path.resolve(outputDir, 'outputs', APP_FOLDER), why: 'Azure ML compute: job outputs folder', persistent: true };
    case 'local':
      return { dir: path.resolve(outputDir), why: 'the output folder', persistent: true };
  }
}
