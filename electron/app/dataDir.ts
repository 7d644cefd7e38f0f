// Where the app keeps its data (state.json, the local MLflow store): its own module so CLI commands
// that only read the state file do not load the app services.
import os from 'node:os';
import path from 'node:path';

/** The default data folder: $SWEEPDECK_DATA_DIR, else the platform's per-user app data folder. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWEEPDECK_DATA_DIR) return path.resolve(env.SWEEPDECK_DATA_DIR);
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'sweepdeck');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'sweepdeck');
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'sweepdeck');
}
