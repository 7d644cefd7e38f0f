// `sweepdeck tracking serve [--store URI] [--port N]`: serves the embedded MLflow endpoint in front
// of a store until SIGINT/SIGTERM. stdout starts with exactly the two lines a trial environment
// needs (MLFLOW_TRACKING_URI=..., MLFLOW_TRACKING_TOKEN=...), so a script can `eval`/parse them;
// everything else goes to stderr.
import path from 'node:path';
import { startTrackingEndpoint } from '../../core/tracking/endpoint/server.ts';
import { openTrackingStore } from '../../core/tracking/openStore.ts';
import { createOutboxStore } from '../../core/tracking/outbox.ts';
import type { TrackingStore } from '../../core/tracking/types.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { withoutUrlCredentials } from '../../../shared/urlCredentials.ts';
import { print, printError } from '../terminalText.ts';

const USAGE = `Usage: sweepdeck tracking serve [--store URI] [--port N] [--outbox FILE]

Serves MLflow's REST API (/api/2.0/mlflow/...) on 127.0.0.1 in front of a tracking store.
  --store URI    sqlite:///path.db, http(s)://server, azureml://... (default: $SWEEPDECK_TRACKING_URI,
                 else sqlite:///<cwd>/sweepdeck-output/mlflow.db)
  --port N       port on 127.0.0.1 (default 0: a free port)
  --outbox FILE  where writes wait while a remote store is unreachable
                 (default <cwd>/sweepdeck-output/tracking-outbox.db)
The token is $SWEEPDECK_TRACKING_TOKEN when set, random otherwise.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli({
    args: argv,
    options: {
      store: { type: 'string' },
      port: { type: 'string' },
      outbox: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }, USAGE);
  if (printedHelp(values, USAGE)) return 0;
  const uri = values.store ?? process.env.SWEEPDECK_TRACKING_URI ?? `sqlite:///${path.join(process.cwd(), 'sweepdeck-output', 'mlflow.db')}`;
  let port = 0;
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new CliError(`--port '${values.port}' must be an integer from 0 to 65535 (0 picks a free port).`);
    port = Number(values.port);
  }
  const token = process.env.SWEEPDECK_TRACKING_TOKEN || undefined;
  if (token !== undefined && /\s/.test(token)) throw new CliError('SWEEPDECK_TRACKING_TOKEN must not contain whitespace.');

  let store: TrackingStore;
  try {
    // A remote MLflow server is reached with this process's own MLFLOW_TRACKING_TOKEN, as any MLflow client would.
    store = await openTrackingStore(uri, { create: true, ...(process.env.MLFLOW_TRACKING_TOKEN ? { token: process.env.MLFLOW_TRACKING_TOKEN } : {}) });
  } catch (err) {
    throw new CliError(`cannot open tracking store '${withoutUrlCredentials(uri)}': ${(err as Error).message}`, 1);
  }
  if (store.kind === 'rest') {
    const outboxFile = path.resolve(values.outbox ?? path.join(process.cwd(), 'sweepdeck-output', 'tracking-outbox.db'));
    const outbox = createOutboxStore(store, outboxFile);
    // A line when the remote goes away or comes back or the queue empties; otherwise at most one every 10 s.
    let last = { online: true, pending: 0 };
    let lastPrint = 0;
    outbox.on('status', (s) => {
      const now = Date.now();
      const flipped = s.online !== last.online || (s.pending === 0) !== (last.pending === 0);
      last = s;
      if (!flipped && (now - lastPrint < 10_000 || (s.online && s.pending === 0))) return;
      lastPrint = now;
      printError(`tracking: ${s.online ? 'remote reachable' : 'remote unreachable'}, ${s.pending} write(s) waiting in ${outboxFile}${s.lastError ? ` (${s.lastError})` : ''}`);
    });
    outbox.on('rejected', (r) => printError(`tracking: the remote refused a queued ${r.op} (entry ${r.seq}): ${r.error}`));
    store = outbox;
  }

  let endpoint;
  try {
    endpoint = await startTrackingEndpoint({
      store,
      token,
      port,
      onInternalError: (err, p) => printError(`tracking endpoint: internal error on ${p.split('?')[0]}: ${(err as Error)?.stack ?? String(err)}`),
      onClientAborted: (p) => printError(`tracking endpoint: ${p}: the client closed the connection before sending the whole request body`),
    });
  } catch (err) {
    await store.close();
    const e = err as NodeJS.ErrnoException;
    throw new CliError(e.code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is already in use; pick another with --port or use --port 0.` : `cannot start the endpoint: ${e.message}`, 1);
  }
  print(`MLFLOW_TRACKING_URI=${endpoint.url}\nMLFLOW_TRACKING_TOKEN=${endpoint.token}`);
  printError(`Serving MLflow REST API for ${store.uri} at ${endpoint.url} (Ctrl-C to stop).`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await endpoint.close();
  await store.close();
  printError('Tracking endpoint stopped.');
  // fetch's pooled keep-alive sockets to a remote store would hold the process ~5 s more; all
  // state is closed and flushed by now, so do not wait for them.
  setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
  return 0;
}
