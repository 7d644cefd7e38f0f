// `npm start`: build what changed since the last build (`npm ci` built it all), then open the
// desktop app. Where Electron cannot start (no Electron binary on this machine, or no display), say why and serve the same app to a browser instead
// (`sweepdeck serve`, whose first line is the URL with its token). Extra arguments go to the
// browser host, e.g. `npm start -- --port 8765`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli, buildElectron, buildRenderer, cliIsFresh, electronIsFresh, rendererIsFresh } from './build.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exe = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';

/** The Electron binary, or why there is none. Never triggers the electron package's download. */
export function findElectron(env = process.env) {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const bin = path.join(override, exe);
    return existsSync(bin) ? { bin } : { why: `ELECTRON_OVERRIDE_DIST_PATH is set to ${override}, but ${bin} does not exist` };
  }
  // What `npm install electron` leaves when its download worked: path.txt naming the binary in dist/.
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathTxt = path.join(pkg, 'path.txt');
  if (existsSync(pathTxt)) {
    const bin = path.join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
    if (existsSync(bin)) return { bin };
  }
  return { why: 'no Electron binary on this machine (the electron package has no downloaded dist/, and ELECTRON_OVERRIDE_DIST_PATH is not set)' };
}

/** Why there is no display for a window, or null when there is one. */
export function noDisplayReason(env = process.env, platform = process.platform) {
  if (platform !== 'linux') return null;
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return null;
  return 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set; under SSH or CI use the browser host, or xvfb-run npm start)';
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on('error', (e) => {
      console.error(`start: could not run ${cmd}: ${e.message}`);
      resolve(1);
    });
  });
}

async function main() {
  const passThrough = process.argv.slice(2);
  const electron = findElectron();
  const noDisplay = noDisplayReason();
  const useElectron = Boolean(electron.bin) && !noDisplay && !process.env.SWEEPDECK_BROWSER;

  if (!useElectron) {
    const why = process.env.SWEEPDECK_BROWSER ? 'SWEEPDECK_BROWSER is set' : (electron.why ?? noDisplay);
    console.error(`start: not opening the desktop window: ${why}.`);
    console.error('start: serving the app to a browser instead; open the URL printed below (it carries the access token).');
  }
  if (useElectron && !electronIsFresh()) await buildElectron({ quiet: true });
  // The browser host is `sweepdeck serve`: after an edit, rebuild the CLI rather than transpile it.
  if (!useElectron && !cliIsFresh()) await buildCli({ quiet: true }).catch((e) => console.error(`start: the CLI did not build (${String(e?.message ?? e).split('\n')[0]}); running it from the TypeScript sources.`));
  if (!rendererIsFresh()) await buildRenderer({ quiet: true }).catch((e) => {
    console.error(`start: the renderer did not build (${String(e?.message ?? e).split('\n').filter((l) => l.trim() && !/^\s+at /.test(l)).join(' ').slice(0, 400)}); the app shows a placeholder page.`);
  });

  if (useElectron) {
    const args = [ROOT];
    // Chromium refuses to run as root with its sandbox on; say what that costs instead of failing.
    if (process.getuid?.() === 0) {
      console.error('start: running as root, so Chromium\'s process sandbox is off (--no-sandbox); run as a normal user to keep it.');
      args.push('--no-sandbox');
    }
    return run(electron.bin, args);
  }
  return run(process.execPath, [path.join(ROOT, 'bin', 'sweepdeck.js'), 'serve', ...passThrough]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (e) => {
    console.error(`start failed: ${e?.message ?? e}`);
    process.exit(1);
  });
}
