// The system attributes Sweepdeck writes into a shared study so that every process looking at it
// (workers on other machines, the app, the CLI) agrees on who runs what and whether to stop. They
// live in Optuna's own attribute tables, so a study stays loadable by Python Optuna, which ignores
// them. Values are JSON, as Optuna stores every attribute.

/** Trial system attr: the host name of the worker that claimed the trial (string). */
export const SYS_WORKER_HOST = 'sweepdeck:host';
/** Trial system attr: that worker's process id (number). */
export const SYS_WORKER_PID = 'sweepdeck:pid';
/** Trial system attr: the worker's slot the trial runs in, 0-based (number). */
export const SYS_WORKER_SLOT = 'sweepdeck:slot';

/** Study system attr: present while a stop is asked for, as {"at": ISO time, "by": "host:pid"}.
 * Sweepdeck workers stop starting trials and stop their running ones when they see it; an explicit
 * start (the app's Resume, `sweep run`) removes it. Python Optuna workers do not read it. */
export const SYS_STOP_REQUESTED = 'sweepdeck:stop_requested';

/** Study system attr: the MLflow parent run of the sweep, shared by every worker
 * ({"run_id": string, "tracking": redacted tracking URI}); written once, by whoever creates it first. */
export const SYS_PARENT_RUN = 'sweepdeck:parent_run';

export interface StopRequest {
  at: string;
  by: string;
}

export function isStopRequest(v: unknown): v is StopRequest {
  return typeof v === 'object' && v !== null && typeof (v as StopRequest).at === 'string' && typeof (v as StopRequest).by === 'string';
}

/** Study system attr: the sweep's HPO config, so `sweepdeck sweep worker URL --study NAME` can join
 * without the YAML: {"config": the validated config without its study location and without
 * trial.env values, "env_names": the trial.env names (each worker supplies the values from its own
 * environment)}. Written by `sweep run` on a study URL. */
export const SYS_SWEEP_CONFIG = 'sweepdeck:config';
