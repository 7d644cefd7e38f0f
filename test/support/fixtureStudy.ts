// A sweep config that matches the Optuna 3.1.0 fixture study (FIXTURES/optuna-3.1.0/study.db): the same study name and
// the distributions Optuna recorded, so the app can open a copy of it and resume it. Shared by the
// host flow test and the browser e2e, which both resume that study; its trials run `trial.mjs`.
export const FIXTURE_STUDY_CONFIG = `
experiment_name: fixture-resume
backbone: distilbert
study_name: hpo_distilbert
search_space:
  learning_rate: {type: loguniform, min: 1.0e-5, max: 5.0e-5}
  batch_size: {type: choice, values: [8, 16, 32]}
  dropout: {type: uniform, min: 0.1, max: 0.3, step: 0.05}
  epochs: {type: int, min: 2, max: 10, step: 2}
  weight_decay: {type: uniform, min: 0.0, max: 0.1}
  warmup_steps: {type: int, min: 10, max: 1000, log: true}
sampling: {algorithm: random, max_trials: 12, seed: 3}
objective: {metric: score, goal: maximize}
trial:
  command: ["node", "trial.mjs"]
`;
