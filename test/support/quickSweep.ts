// A small sweep whose trial is a Node script printing one `score=` line per step: quick to run,
// and slow enough (stepMs per step) to be stopped, signalled or restarted in the middle.

/** The trial script (trial.mjs): x (or dropout) is the score, reached over three steps. */
export const quickTrial = (stepMs = 120): string => `
const params = JSON.parse(process.env.SWEEPDECK_PARAMS);
const x = Number(params.x ?? params.dropout ?? 0.5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let step = 0; step < 3; step++) {
  await sleep(${stepMs});
  console.log('score=' + (x * (step + 1) / 3).toFixed(6) + ' step=' + step);
}
`;

/** The HPO config that runs trial.mjs (beside it) one trial at a time; the study goes to tiny/study.db. */
export const quickConfig = (maxTrials: number, experiment = 'flow-test'): string => `
experiment_name: ${experiment}
backbone: tiny
search_space:
  x: {type: uniform, min: 0.0, max: 1.0}
sampling: {algorithm: random, max_trials: ${maxTrials}, max_concurrent_trials: 1, seed: 7}
objective: {metric: score, goal: maximize}
trial:
  command: ["node", "trial.mjs", "--x", "{x}"]
checkpoint: {enabled: true, storage_path: "{backbone}/study.db", auto_resume: true}
`;
