// `sweepdeck sweep worker CONFIG.yaml|URL [--study NAME] [--storage URL] [--slots N] [--max-trials N]
//  [--output-dir DIR] [--tracking-uri URI] [--no-tracking]`
//
// Joins a sweep on a shared PostgreSQL study and runs its trials beside the other workers (Sweepdeck
// or Python Optuna, on any machine): the database is the coordinator. With a config file the worker
// runs that config on its study (`storage:` in it, or --storage); with a study URL it runs the config
// `sweep run` stored in the study (trial.env values come from this worker's environment). It stops
// when the study's budget is reached, when the study holds a stop request (the app's Stop), or on
// SIGTERM / SIGINT: its running trials are stopped, failed and offered again, and it exits 0.
//
// Exit codes: 0 budget reached or stopped; 1 the sweep failed here (broken command, storage error);
// 2 bad input; 3 sampling.timeout_minutes reached.
import path from 'node:path';
import type { HpoConfig } from '../../../shared/config.ts';
import { ConfigError, loadConfigFile } from '../../core/config/loadConfig.ts';
import { isStudyUrl, redactUrl } from '../../core/studies/studyUrl.ts';
import { configFromStudy } from '../../core/sweeps/sharedConfig.ts';
import { SweepSetupError } from '../../core/sweeps/sweepRunner.ts';
import type { SweepEvent, SweepResult } from '../../core/sweeps/types.ts';
import { CliError, parseCli, printedHelp, wholeNumber } from '../cliSupport.ts';
import { launchSweep, timingsFromEnv } from '../sweepLaunch.ts';
import { print, printError, terminalSafe } from '../terminalText.ts';
import { searchSpaceGate } from '../searchSpaceGate.ts';
import { studyLocation, withStudy } from '../withStudy.ts';
import { DEFAULT_OUTPUT_DIR } from './sweepRun.ts';

const USAGE = `Usage: sweepdeck sweep worker CONFIG.yaml|postgresql://USER@HOST:PORT/DB [--study NAME] [--slots N] [--max-trials N]
                             [--storage URL] [--output-dir DIR] [--tracking-uri URI] [--no-tracking]
                             [--accept-space-change]

  Joins a sweep on a shared PostgreSQL study and runs its trials until the budget is reached, the
  study asks its workers to stop, or SIGTERM/SIGINT (running trials are failed and re-offered).

  CONFIG.yaml         run this config on its study (storage: in it, or --storage)
  URL                 run the config \`sweep run\` stored in the study (trial.env values come from
                      this worker's environment); the password comes from the URL, PGPASSWORD or
                      ~/.pgpass and is never printed
  --study NAME        the study (default: the config's study_name; with a URL, the only study there)
  --slots N           trials this worker runs at once (default: sampling.max_concurrent_trials)
  --max-trials N      the budget (default: sampling.max_trials)
  --output-dir DIR    where trial dirs go (default: ./sweepdeck-output)
  --tracking-uri URI  MLflow tracking store (every worker of a sweep should use the same one)
  --no-tracking       run without MLflow tracking
  --accept-space-change
                      join with CONFIG.yaml although its search_space differs from the study's
                      (without it, the difference is shown and the worker does not start)

Exit codes: 0 budget reached or stopped, 1 the sweep failed here, 2 bad input, 3 sweep timeout.`;

/** The config stored in the study at `url` (the named study, or the only one there). */
async function configAtUrl(url: string, studyName: string | undefined): Promise<HpoConfig> {
  return withStudy(url, { readonly: true }, async (storage) => {
    let name = studyName;
    if (name === undefined) {
      const studies = await storage.listStudies();
      if (studies.length !== 1) {
        throw new CliError(`${redactUrl(url)} holds ${studies.length} studies; choose one with --study NAME${studies.length ? `: ${studies.map((s) => `'${s.name}'`).join(', ')}` : ''}.`);
      }
      name = studies[0]!.name;
    }
    const study = await storage.getStudy(name);
    if (!study) throw new CliError(`${redactUrl(url)}: no study named '${name}'. Check --study, or start the sweep with \`sweepdeck sweep run CONFIG.yaml --storage URL\`.`);
    try {
      const { config, missingEnv } = configFromStudy(study, redactUrl(url), process.env);
      if (missingEnv.length) printError(`sweepdeck worker: trial.env names ${missingEnv.join(', ')} are not set in this worker's environment; trials run without them`);
      return { ...config, study_name: study.name };
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  });
}

function loadConfig(file: string): HpoConfig {
  try {
    return loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`config file ${file} does not exist: give the path of an HPO config YAML, or a study URL`);
    throw err;
  }
}

function describe(e: SweepEvent, metric: string): string | undefined {
  switch (e.type) {
    case 'sweep-start':
      return `worker joined study '${e.studyName}' in ${e.studyPath}: ${e.counts.finished}/${e.maxTrials} finished, ${e.counts.running} running${e.staleFailed.length ? `; stale trial(s) ${e.staleFailed.join(', ')} failed` : ''}`;
    case 'trial-start':
      return `trial ${e.number} started${e.fromWaiting ? ' (re-offered params)' : ''}`;
    case 'trial-end':
      return `trial ${e.number} ${e.state}${e.state === 'FAIL' ? ` (${(e.reason ?? '').split('\n')[0]})` : ` ${metric}=${e.value ?? '-'}`}`;
    case 'waiting':
      return `waiting: ${e.finished}/${e.maxTrials} finished; the last slots are held by ${e.running} running trial(s) of other workers`;
    case 'warning':
      return `warning: ${e.message}`;
    default:
      return undefined;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    {
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        study: { type: 'string' },
        storage: { type: 'string' },
        slots: { type: 'string' },
        'max-trials': { type: 'string' },
        'output-dir': { type: 'string' },
        'tracking-uri': { type: 'string' },
        'no-tracking': { type: 'boolean' },
        'accept-space-change': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  if (positionals.length !== 1) throw new CliError(`expected one CONFIG.yaml or study URL, got ${positionals.length}.\n\n${USAGE}`);
  const slots = wholeNumber('--slots', values.slots);
  const maxTrials = wholeNumber('--max-trials', values['max-trials']);
  const target = positionals[0]!;
  const byUrl = isStudyUrl(target);
  if (byUrl && values.storage !== undefined) throw new CliError('give the study URL once: as the argument or with --storage, not both');
  const storage = byUrl ? target.trim() : values.storage !== undefined ? studyLocation(values.storage) : undefined;
  let config = byUrl ? await configAtUrl(target, values.study) : loadConfig(path.resolve(target));
  if (!byUrl && values.study !== undefined) config = { ...config, study_name: values.study };
  const metric = config.objective.metric;
  const outputDir = path.resolve(values['output-dir'] ?? DEFAULT_OUTPUT_DIR);
  // A worker given a config of its own joins only a study sampled from the same space (a URL's
  // worker runs the config stored in the study, so there is nothing to compare).
  if (!byUrl) {
    const configPath = path.resolve(target);
    for (const line of await searchSpaceGate(config, configPath, outputDir, path.dirname(configPath), values['accept-space-change'] === true, storage)) print(line);
  }

  const { handle } = await launchSweep(
    {
      config,
      configDir: byUrl ? process.cwd() : path.dirname(path.resolve(target)),
      outputDir,
      role: 'worker',
      ...(storage !== undefined ? { storage } : {}),
      ...(slots !== undefined ? { slots } : {}),
      ...(maxTrials !== undefined ? { maxTrials } : {}),
      onEvent: (e) => {
        const line = describe(e, metric);
        if (line !== undefined) print(terminalSafe(line));
      },
      ...timingsFromEnv(),
    },
    { enabled: !values['no-tracking'], trackingUri: values['tracking-uri'] },
  );

  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      printError(`sweepdeck worker: second ${sig}, exiting now; trials left RUNNING fail once their heartbeat is stale and are retried by another worker.`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    signalled = sig;
    print(`${sig}: stopping this worker; its running trials are failed and offered again to the other workers`);
    handle.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: SweepResult;
  try {
    result = await handle.done;
  } catch (err) {
    if (err instanceof SweepSetupError) throw new CliError(err.message);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const c = result.counts;
  const summary = `${c.finished}/${result.maxTrials} finished in the study (${c.complete} complete, ${c.pruned} pruned), ${c.failed} failed; this worker started ${result.trialsStarted}`;
  switch (result.status) {
    case 'completed':
      print(`worker done, budget reached: ${summary}`);
      return 0;
    case 'stopped':
      print(`worker stopped (${result.message ?? 'stopped'}): ${summary}`);
      return 0;
    case 'timed-out':
      print(`worker timed out: ${result.message}\n${summary}`);
      return 3;
    case 'slots-held-elsewhere':
    case 'failed':
      printError(`worker failed: ${result.message}\n${summary}`);
      return 1;
  }
}
