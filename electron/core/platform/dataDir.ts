// The per-user data folder of Sweepdeck (sweep registry, local MLflow store, Azure sign-in).
import os from 'node:os';
import path from 'node:path';

type EnvLike = Record<string, string | undefined>;

/** $SWEEPDECK_DATA_DIR, else the platform's per-user app data folder. */
export function defaultDataDir(env: EnvLike = process.env): string {
  if (env.SWEEPDECK_DATA_DIR) return path.resolve(env.SWEEPDECK_DATA_DIR);
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'sweepdeck');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'sweepdeck');
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'sweepdeck');
}
