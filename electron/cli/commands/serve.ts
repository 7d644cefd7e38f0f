// `sweepdeck serve`: the app in a browser over loopback. The first line printed is the URL with
// its token (scripts and SSH-tunnel users read it); everything else follows on later lines.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createAppServices, defaultDataDir } from '../../app/appServices.ts';
import { EXAMPLE_CONFIG, RENDERER_DIST, REPO_ROOT } from '../../host/paths.ts';
import { HOST_TOKEN_PATTERN, hostTokenPath, loadHostToken } from '../../host/hostToken.ts';
import { startHost } from '../../host/server.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { print } from '../terminalText.ts';

const USAGE = `Usage: sweepdeck serve [--port N] [--data-dir DIR] [--renderer-dir DIR] [--no-example] [--rotate-token]

Serves the Sweepdeck app on http://127.0.0.1:PORT for a browser. The first line printed is the URL
with its token; every request without it is refused. The token is kept (owner-only) in the data
folder's host-token file, so open tabs and bookmarks keep working across restarts. From another
machine, tunnel it:
  ssh -L 8765:127.0.0.1:8765 workstation 'npx sweepdeck serve --port 8765'

  --port N          port on 127.0.0.1 (default: a free one)
  --data-dir DIR    registry, local MLflow store and sweep outputs
                    (default: $SWEEPDECK_DATA_DIR, else ${defaultDataDir()})
  --renderer-dir    the built renderer (default: renderer/dist)
  --no-example      do not register the example sweep
  --rotate-token    make and keep a new token: every URL printed before stops working
  --token T         use this token instead of the kept one (also SWEEPDECK_HOST_TOKEN)`;

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    {
      args: argv,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'renderer-dir': { type: 'string' },
        'no-example': { type: 'boolean' },
        token: { type: 'string' },
        'rotate-token': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  let port = 0;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${JSON.stringify(values.port)} is not a port number (0-65535).\n\n${USAGE}`);
  }
  const given = values.token ?? process.env.SWEEPDECK_HOST_TOKEN;
  if (given !== undefined && !HOST_TOKEN_PATTERN.test(given)) throw new CliError('--token must be 16 to 256 characters of A-Z, a-z, 0-9, _ or -.');
  if (given !== undefined && values['rotate-token']) throw new CliError('--rotate-token makes a new kept token; it cannot be combined with --token or SWEEPDECK_HOST_TOKEN.');
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  let kept: { token: string; created: boolean } | null = null;
  if (given === undefined) {
    try {
      kept = loadHostToken(dataDir, { rotate: values['rotate-token'] === true });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  const token = given ?? kept?.token;
  const rendererDir = values['renderer-dir'] ? path.resolve(values['renderer-dir']) : RENDERER_DIST;

  const app = await createAppServices({
    dataDir,
    host: 'browser',
    version: version(),
    exampleConfigPath: values['no-example'] || !existsSync(EXAMPLE_CONFIG) ? null : EXAMPLE_CONFIG,
  });
  let host;
  try {
    host = await startHost({ app, port, rendererDir, ...(token ? { token } : {}) });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} on 127.0.0.1 is in use; pick another with --port, or leave it out for a free one.`, 1);
    throw e;
  }
  print(host.url);
  print(`sweepdeck: data in ${dataDir}`);
  if (kept) print(kept.created ? `sweepdeck: a new token is kept in ${hostTokenPath(dataDir)}; URLs printed before no longer work.` : `sweepdeck: the token kept in ${hostTokenPath(dataDir)} (new one: --rotate-token).`);
  if (!existsSync(path.join(rendererDir, 'index.html'))) print(`sweepdeck: ${rendererDir} has no built renderer; serving a placeholder page (run npm run build).`);
  print('sweepdeck: press Ctrl-C to stop (running sweeps are stopped gracefully and stay resumable).');

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      print(`sweepdeck: ${signal}: stopping`);
      void (async () => {
        await host.close();
        await app.close();
        resolve(0);
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
