// `sweepdeck sweep run CONFIG.yaml [--output-dir DIR] [--max-trials N] [--tracking-uri URI]`
//
// Runs (or resumes) the sweep headless. Progress: an in-place bar on a TTY, one plain line per
// trial otherwise. Ctrl-C / SIGTERM stop gracefully (running trials are terminated, marked FAIL and
// re-offered) and leave the study resumable: the same command continues it. A second signal exits
// at once; the trials then left RUNNING are failed and re-offered by the next run.
//
// Output dir default: ./sweepdeck-output under the current directory (never the config's own
// directory, which may be inside a repository). Trial processes run in the config file's directory
// unless trial.cwd says otherwise.
//
// Exit codes: 0 sweep complete;
// 1 the sweep failed (broken command, too many failed trials, storage error); 2 bad input (usage,
// config, checkpoint file); 3 sampling.timeout_minutes reached (resumable); 130 stopped by SIGINT,
// 143 by SIGTERM (resumable).
import path from 'node:path';
import { ConfigError, loadConfigFile } from '../../core/config/loadConfig.ts';
import { redactUrl, isStudyUrl } from '../../core/studies/studyUrl.ts';
import { SweepSetupError, type SweepHandle } from '../../core/sweeps/sweepRunner.ts';
import type { TrackedSweepHandle } from '../../core/sweeps/trackedSweep.ts';
import type { SweepCounts, SweepEvent, SweepResult } from '../../core/sweeps/types.ts';
import { CliError, parseCli, printedHelp, wholeNumber } from '../cliSupport.ts';
import { studyLocation } from '../withStudy.ts';
import { launchSweep, timingsFromEnv } from '../sweepLaunch.ts';
import { print, printError, terminalSafe } from '../terminalText.ts';
import { searchSpaceGate } from '../searchSpaceGate.ts';

const USAGE = `Usage: sweepdeck sweep run CONFIG.yaml [--storage FILE_OR_URL] [--output-dir DIR] [--max-trials N] [--tracking-uri URI] [--no-tracking] [--accept-space-change]

  --storage FILE_OR_URL  the study: a study file, or a postgresql://USER@HOST:PORT/DB URL that
                      workers on other machines join (sweepdeck sweep worker); overrides the
                      config's storage / checkpoint.storage_path. The password comes from the
                      URL, PGPASSWORD or ~/.pgpass and is never printed.
  --output-dir DIR    where the checkpoint (relative storage_path) and trial dirs go
                      (default: ./sweepdeck-output)
  --max-trials N      override sampling.max_trials
  --tracking-uri URI  MLflow tracking store for this sweep (overrides the setup's choice:
                      Azure ML when configured and reachable, else <output-dir>/mlflow.db)
  --no-tracking       run without MLflow tracking
  --accept-space-change
                      resume a study whose search space differs from the config's (the
                      difference is printed; without this flag the run is refused). A change
                      of a param's kind, log scale or categorical choices is always refused:
                      use a new study_name for it

Exit codes: 0 complete, 1 sweep failed, 2 bad input, 3 sweep timeout reached (resumable),
130/143 stopped by SIGINT/SIGTERM (resumable: run the same command again).`;

export const DEFAULT_OUTPUT_DIR = 'sweepdeck-output';

let epipeGuarded = false;
function ignoreEpipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err;
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** Renders progress: a bar redrawn in place on a TTY, plain lines otherwise. */
class ProgressView {
  private counts: SweepCounts | undefined;
  private best: { number: number; value: number } | null = null;
  private barShown = false;
  constructor(
    private readonly tty: boolean,
    private readonly metric: string,
    private maxTrials: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  /** A full line (above the bar on a TTY). */
  line(text: string): void {
    if (this.tty && this.barShown) this.out.write('\r\x1b[2K');
    this.out.write(`${terminalSafe(text)}\n`);
    if (this.tty && this.counts) this.drawBar();
  }

  private drawBar(): void {
    const c = this.counts;
    if (!c) return;
    const width = 24;
    const done = Math.min(width, Math.round((c.finished / Math.max(1, this.maxTrials)) * width));
    const bar = `${'#'.repeat(done)}${'-'.repeat(width - done)}`;
    const best = this.best ? `best ${this.metric}=${fmt(this.best.value)} (#${this.best.number})` : 'no best yet';
    // Our own escape first (clear the line), then the text, made safe: the metric name is the config's.
    this.out.write(`\r\x1b[2K${terminalSafe(`[${bar}] ${c.finished}/${this.maxTrials} finished · ${best} · running ${c.running} · failed ${c.failed}`)}`);
    this.barShown = true;
  }

  update(counts: SweepCounts, best: { number: number; value: number } | null, maxTrials?: number): void {
    this.counts = counts;
    this.best = best;
    if (maxTrials !== undefined) this.maxTrials = maxTrials;
    if (this.tty) this.drawBar();
  }

  /** A trial started: the bar's running count goes up until the next progress event. */
  trialStarted(): void {
    if (!this.counts) return;
    this.counts = { ...this.counts, running: this.counts.running + 1 };
    if (this.tty) this.drawBar();
  }

  end(): void {
    if (this.tty && this.barShown) this.out.write('\n');
    this.barShown = false;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    {
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'output-dir': { type: 'string' },
        storage: { type: 'string' },
        'max-trials': { type: 'string' },
        'tracking-uri': { type: 'string' },
        'no-tracking': { type: 'boolean' },
        'accept-space-change': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  if (positionals.length !== 1) throw new CliError(`expected exactly one CONFIG.yaml, got ${positionals.length}.\n\n${USAGE}`);
  const configPath = path.resolve(positionals[0]!);
  const maxTrials = wholeNumber('--max-trials', values['max-trials']);
  const outputDir = path.resolve(values['output-dir'] ?? DEFAULT_OUTPUT_DIR);

  let config;
  try {
    config = loadConfigFile(configPath);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new CliError(`config file ${configPath} does not exist: give the path of an HPO config YAML`);
    throw err;
  }

  const storage = values.storage !== undefined ? studyLocation(values.storage) : undefined;
  // Before anything starts or is written: a study whose search space differs is resumed only on
  // purpose. The study checked is the one the run resumes (--storage's when given).
  for (const line of await searchSpaceGate(config, configPath, outputDir, path.dirname(configPath), values['accept-space-change'] === true, storage)) print(line);

  // A closed stdout (e.g. piped into `head`) must not kill the sweep: progress is only a view.
  if (!epipeGuarded) {
    epipeGuarded = true;
    process.stdout.on('error', ignoreEpipe);
    process.stderr.on('error', ignoreEpipe);
  }
  const tty = process.stdout.isTTY === true;
  const metric = config.objective.metric;
  const view = new ProgressView(tty, metric, maxTrials ?? config.sampling.max_trials);
  const onEvent = (e: SweepEvent): void => {
    switch (e.type) {
      case 'sweep-start': {
        const c = e.counts;
        view.line(`sweepdeck: study '${e.studyName}' in ${e.studyPath}`);
        view.line(e.resumed ? `resuming: ${c.finished}/${e.maxTrials} finished (${c.complete} complete, ${c.pruned} pruned), ${c.failed} failed` : `new sweep: ${e.maxTrials} trials`);
        if (e.staleFailed.length) view.line(`stale RUNNING trial(s) ${e.staleFailed.join(', ')} marked FAIL; their params are re-run first as trial(s) ${e.reoffered.join(', ')}`);
        if (e.runningElsewhere.length) {
          view.line(
            `trial(s) ${e.runningElsewhere.join(', ')} RUNNING elsewhere (no heartbeat: another program such as Python Optuna runs them, or ran them and stopped); ` +
              `left alone and not counted in max_trials. If nothing runs them any more: sweepdeck sweep fail-trial ${e.studyPath} --study ${e.studyName} --trial N`,
          );
        }
        view.line(`output: ${outputDir}`);
        view.update(c, null, e.maxTrials);
        break;
      }
      case 'trial-start':
        view.trialStarted();
        if (!tty) view.line(`trial ${e.number} started${e.fromWaiting ? ' (re-offered params)' : ''}: ${Object.entries(e.params).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
        break;
      case 'trial-end': {
        const valueText = e.state === 'FAIL' ? `(${(e.reason ?? '').split('\n')[0]})` : `${metric}=${fmt(e.value)}`;
        pendingEnd = `trial ${e.number} ${e.state} ${valueText}`;
        break;
      }
      case 'progress': {
        const best = e.best ? fmt(e.best.value) : '-';
        if (pendingEnd) view.line(`${pendingEnd} (best ${best}, ${e.counts.finished}/${e.maxTrials})`);
        pendingEnd = undefined;
        view.update(e.counts, e.best, e.maxTrials);
        break;
      }
      case 'waiting':
        view.line(`waiting: ${e.finished}/${e.maxTrials} finished; the remaining slots are held by ${e.running} trial(s) RUNNING in another runner`);
        break;
      case 'warning':
        view.line(`warning: ${e.message}`);
        break;
      default:
        break;
    }
  };
  let pendingEnd: string | undefined;
  let trackedHandle: TrackedSweepHandle | undefined;

  const sweepOptions = {
    config,
    configDir: path.dirname(configPath),
    outputDir,
    ...(maxTrials !== undefined ? { maxTrials } : {}),
    ...(storage !== undefined ? { storage } : {}),
    onEvent,
    ...timingsFromEnv(),
  };
  const launched = await launchSweep(sweepOptions, { enabled: !values['no-tracking'], trackingUri: values['tracking-uri'] });
  const handle: SweepHandle = launched.handle;
  if (launched.tracked) {
    const tracked = launched.tracked;
    const d = tracked.decision;
    view.line(`tracking: ${d.mode} ${d.trackingUri}${d.reason ? ` (${d.reason})` : ''}`);
    view.line(`trials log through the MLflow endpoint ${tracked.endpointUrl}`);
    void tracked.parentRun.then((p) => view.line(`parent run ${p.runId} in experiment ${p.experimentId}${p.continued ? ' (continued)' : ''}`));
    trackedHandle = tracked;
  }

  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      view.end();
      printError(`sweepdeck: second ${sig}, exiting now; trials left RUNNING are failed and re-run on resume.`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    signalled = sig;
    view.line(`${sig}: stopping; running trials are terminated and will be re-run on resume (${sig} again to exit at once)`);
    handle.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const resumeCmd = `sweepdeck sweep run ${positionals[0]}${storage !== undefined ? ` --storage ${isStudyUrl(storage) ? redactUrl(storage) : storage}` : ''} --output-dir ${outputDir}${maxTrials !== undefined ? ` --max-trials ${maxTrials}` : ''}`;
  let result: SweepResult;
  try {
    result = await handle.done;
  } catch (err) {
    view.end();
    if (err instanceof SweepSetupError) throw new CliError(err.message);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  view.end();

  const pending = trackedHandle?.outboxPending() ?? 0;
  if (pending) print(`tracking: ${pending} write(s) could not reach the remote store yet; they are kept in ${path.join(outputDir, '.sweepdeck', 'outbox.db')} and sent when it is reachable`);
  const c = result.counts;
  const front = result.front;
  const best = front
    ? `Pareto front ${front.size} trial${front.size === 1 ? '' : 's'}, best ${config.objectives.map((o, i) => `${o.metric}=${fmt(front.bestPerObjective[i] ?? null)}`).join(' ')} (sweepdeck sweep status lists the front)`
    : result.best ? `best ${metric}=${fmt(result.best.value)} (trial ${result.best.number})` : 'no completed trial';
  const summary = `${c.finished}/${result.maxTrials} finished (${c.complete} complete, ${c.pruned} pruned), ${c.failed} failed; ${best}`;
  const where = result.checkpointEnabled ? `checkpoint: ${result.studyPath}` : 'checkpoint disabled: nothing to resume from';
  switch (result.status) {
    case 'completed':
      print(`sweep complete: ${summary}\n${where}`);
      return 0;
    case 'stopped':
      print(`sweep stopped: ${summary}\n${where}${result.checkpointEnabled ? `\nresume with: ${resumeCmd}` : ''}`);
      return signalled === 'SIGTERM' ? 143 : 130;
    case 'timed-out':
      print(`sweep timed out: ${result.message}\n${summary}\n${where}${result.checkpointEnabled ? `\nresume with: ${resumeCmd}` : ''}`);
      return 3;
    case 'slots-held-elsewhere':
    case 'failed':
      view.end();
      printError(`sweep failed: ${result.message}\n${summary}\n${where}`);
      return 1;
  }
}
