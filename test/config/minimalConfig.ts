// The smallest valid sweep config, which the config tests vary one field at a time.
export const MINIMAL_CONFIG = `experiment_name: e
backbone: bert
search_space:
  lr: {type: loguniform, min: 1.0e-5, max: 1.0e-3}
sampling: {algorithm: random, max_trials: 5}
objective: {metric: f1, goal: maximize}
trial: {command: ["node", "t.js", "{lr}"]}
`;
