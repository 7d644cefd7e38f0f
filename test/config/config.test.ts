import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfigText, validateConfigObject, validateConfigText } from '../../electron/core/config/loadConfig.ts';
import { expandPlaceholders, HpoConfigSchema, placeholdersIn, resolveCheckpointPath, resolveStudyName } from '../../shared/config.ts';
import { MINIMAL_CONFIG as MINIMAL } from './minimalConfig.ts';

// The example from issue 2, verbatim.
const EXAMPLE = `experiment_name: resume_ner_baseline-hpo-distilbert
backbone: distilbert
study_name: hpo_distilbert          # optional; default hpo_{backbone}
search_space:
  learning_rate: {type: loguniform, min: 1.0e-5, max: 5.0e-5}
  batch_size:    {type: choice, values: [8, 16, 32]}
  dropout:       {type: uniform, min: 0.1, max: 0.3, step: 0.05}
  epochs:        {type: int, min: 2, max: 10, step: 2}
  warmup_steps:  {type: int, min: 10, max: 1000, log: true}
sampling:
  algorithm: tpe                    # tpe | random | grid
  max_trials: 20
  max_concurrent_trials: 1
  timeout_minutes: 1440
  seed: 42
objective:
  metric: macro-f1
  goal: maximize                    # maximize | minimize
early_termination:
  policy: median                    # none | median | bandit
  evaluation_interval: 1
  delay_evaluation: 2
  slack_factor: 0.2                 # bandit
trial:
  command: ["python", "train.py", "--learning-rate", "{learning_rate}", "--output-dir", "{trial_dir}"]
  timeout_minutes: 120
checkpoint:
  enabled: true
  storage_path: "{backbone}/study.db"   # relative: under the output dir; absolute: as is
  auto_resume: true
`;

/** Parses and returns the single ConfigError (fails the test if it parses). */
function errorOf(text: string, file = 'sweep.yaml'): ConfigError {
  try {
    parseConfigText(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Line (1-based) of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`test setup: ${needle} not in text`);
  return i + 1;
}

describe('valid configs', () => {
  it('parses the issue example with every value kept', () => {
    const c = parseConfigText(EXAMPLE, 'example.yaml');
    expect(c.study_name).toBe('hpo_distilbert');
    expect(c.search_space.learning_rate).toEqual({ type: 'loguniform', min: 1e-5, max: 5e-5 });
    expect(c.search_space.batch_size).toEqual({ type: 'choice', values: [8, 16, 32] });
    expect(c.search_space.warmup_steps).toEqual({ type: 'int', min: 10, max: 1000, log: true });
    expect(c.sampling).toEqual({ algorithm: 'tpe', max_trials: 20, max_concurrent_trials: 1, timeout_minutes: 1440, seed: 42, max_failed_trials: 20 });
    expect(c.early_termination).toEqual({ policy: 'median', evaluation_interval: 1, delay_evaluation: 2, slack_factor: 0.2 });
    expect(c.checkpoint).toEqual({ enabled: true, storage_path: '{backbone}/study.db', auto_resume: true });
    expect(c.trial.command[3]).toBe('{learning_rate}');
    // config order is preserved (the space is built in this order)
    expect(Object.keys(c.search_space)).toEqual(['learning_rate', 'batch_size', 'dropout', 'epochs', 'warmup_steps']);
  });

  it('applies the defaults', () => {
    const c = parseConfigText(MINIMAL, 'min.yaml');
    expect(c.study_name).toBe('hpo_bert');
    expect(c.sampling.max_concurrent_trials).toBe(1);
    expect(c.sampling.max_failed_trials).toBe(5);
    expect(c.sampling.seed).toBeUndefined();
    expect(c.early_termination).toEqual({ policy: 'none', evaluation_interval: 1, delay_evaluation: 0 });
    expect(c.checkpoint).toEqual({ enabled: true, storage_path: '{backbone}/study.db', auto_resume: true });
  });

  it('keeps extra keys users have in their checkpoint section', () => {
    const c = parseConfigText(`${MINIMAL}checkpoint: {enabled: false, storage_path: /abs/x.db, auto_resume: false, note: mine}\n`, 'c.yaml');
    expect(c.checkpoint).toMatchObject({ enabled: false, storage_path: '/abs/x.db', auto_resume: false, note: 'mine' });
  });

  it('resolves the study name and the checkpoint path', () => {
    const c = parseConfigText(EXAMPLE, 'example.yaml');
    expect(resolveStudyName(c)).toBe('hpo_distilbert');
    expect(resolveStudyName({ backbone: 'roberta' })).toBe('hpo_roberta');
    expect(resolveStudyName({ backbone: 'roberta', study_name: 'x_{backbone}' })).toBe('x_roberta');
    expect(resolveCheckpointPath(c, '/runs/out')).toBe('/runs/out/distilbert/study.db');
    expect(resolveCheckpointPath(c, '/runs/out/')).toBe('/runs/out/distilbert/study.db');
    expect(resolveCheckpointPath({ backbone: 'b', checkpoint: { storage_path: '/data/{backbone}.db' } }, '/runs')).toBe('/data/b.db');
    expect(resolveCheckpointPath({ backbone: 'b', checkpoint: { storage_path: 'C:\\data\\s.db' } }, '/runs')).toBe('C:\\data\\s.db');
    expect(resolveCheckpointPath({ backbone: 'b', checkpoint: { storage_path: './x/{backbone}.db' } }, 'C:\\out')).toBe('C:\\out\\x/b.db');
    expect(resolveCheckpointPath({ backbone: 'b' }, 'rel/dir')).toBe('rel/dir/b/study.db');
  });

  it('expands placeholders inside argv elements, with {{ }} as literal braces', () => {
    expect(placeholdersIn('--lr={lr}/{trial_dir}')).toEqual(['lr', 'trial_dir']);
    expect(placeholdersIn('{{"a": 1}}')).toEqual([]);
    expect(expandPlaceholders('--lr={lr}', { lr: '0.001' })).toBe('--lr=0.001');
    expect(expandPlaceholders('{{"x": {n}}}', { n: '3' })).toBe('{"x": 3}');
    expect(() => expandPlaceholders('{nope}', {})).toThrow(/nope/);
    // a literal-brace JSON argument is valid config
    expect(() => parseConfigText(MINIMAL.replace('"{lr}"]', '"{lr}", "{{\\"k\\": 1}}"]'), 'x.yaml')).not.toThrow();
  });

  it('the schema alone (browser side) accepts the example object', () => {
    const r = HpoConfigSchema.safeParse({
      experiment_name: 'e', backbone: 'b', search_space: { a: { type: 'choice', values: ['x'] } },
      sampling: { algorithm: 'grid', max_trials: 1 }, objective: { metric: 'm', goal: 'minimize' }, trial: { command: ['x', '{a}'] },
    });
    expect(r.success).toBe(true);
  });
});

describe('bad configs: each names the file, the field path, the value, and the line', () => {
  const cases: Array<{ name: string; text: string; path: string; message: RegExp; line: string }> = [
    { name: 'unknown type', text: MINIMAL.replace('{type: loguniform', '{type: logunifrom'), path: 'search_space.lr.type', message: /unknown type "logunifrom".*choice, uniform, loguniform, int/, line: 'lr:' },
    { name: 'min >= max', text: MINIMAL.replace('min: 1.0e-5, max: 1.0e-3', 'min: 0.5, max: 0.5'), path: 'search_space.lr.min', message: /min \(0\.5\) must be less than max \(0\.5\)/, line: 'lr:' },
    { name: 'log with min <= 0', text: MINIMAL.replace('min: 1.0e-5', 'min: 0'), path: 'search_space.lr.min', message: /min \(0\) must be > 0 for a log scale/, line: 'lr:' },
    { name: 'int log with min <= 0', text: MINIMAL.replace('{type: loguniform, min: 1.0e-5, max: 1.0e-3}', '{type: int, min: -1, max: 10, log: true}'), path: 'search_space.lr.min', message: /must be > 0 for a log scale/, line: 'lr:' },
    { name: 'empty choice values', text: MINIMAL.replace('{type: loguniform, min: 1.0e-5, max: 1.0e-3}', '{type: choice, values: []}'), path: 'search_space.lr.values', message: /values must not be empty.*got \[\]/, line: 'lr:' },
    { name: 'non-integer int bounds', text: MINIMAL.replace('{type: loguniform, min: 1.0e-5, max: 1.0e-3}', '{type: int, min: 1.5, max: 10}'), path: 'search_space.lr.min', message: /min \(1\.5\) must be a whole number/, line: 'lr:' },
    { name: 'zero step', text: MINIMAL.replace('{type: loguniform, min: 1.0e-5, max: 1.0e-3}', '{type: uniform, min: 0, max: 1, step: 0}'), path: 'search_space.lr.step', message: /step \(0\) must be > 0/, line: 'lr:' },
    { name: 'negative int step', text: MINIMAL.replace('{type: loguniform, min: 1.0e-5, max: 1.0e-3}', '{type: int, min: 0, max: 10, step: -2}'), path: 'search_space.lr.step', message: /step \(-2\) must be a whole number > 0/, line: 'lr:' },
    { name: 'step with log', text: MINIMAL.replace('{type: loguniform, min: 1.0e-5, max: 1.0e-3}', '{type: uniform, min: 0.1, max: 1, step: 0.1, log: true}'), path: 'search_space.lr.step', message: /cannot be combined/, line: 'lr:' },
    { name: 'unknown placeholder', text: MINIMAL.replace('"{lr}"', '"{learning_rate}"'), path: 'trial.command.2', message: /unknown placeholder \{learning_rate\}.*\{lr\}|unknown placeholder \{learning_rate\}.*lr/, line: 'command' },
    { name: 'misspelt field', text: MINIMAL.replace('max: 1.0e-3}', 'max: 1.0e-3, stpe: 2}'), path: 'search_space.lr.stpe', message: /unknown field "stpe"/, line: 'lr:' },
    { name: 'string where a number is needed', text: MINIMAL.replace('max_trials: 5', 'max_trials: "five"'), path: 'sampling.max_trials', message: /max_trials must be a whole number.*"five"/, line: 'sampling' },
    { name: 'unknown algorithm', text: MINIMAL.replace('algorithm: random', 'algorithm: bayes'), path: 'sampling.algorithm', message: /tpe, random, grid.*"bayes"/, line: 'sampling' },
    { name: 'bad goal', text: MINIMAL.replace('goal: maximize', 'goal: max'), path: 'objective.goal', message: /maximize or minimize.*"max"/, line: 'objective' },
    { name: 'empty command', text: MINIMAL.replace('command: ["node", "t.js", "{lr}"]', 'command: []'), path: 'trial.command', message: /command must not be empty/, line: 'trial: {' },
    { name: 'command as a shell string', text: MINIMAL.replace('command: ["node", "t.js", "{lr}"]', 'command: "node t.js"'), path: 'trial.command', message: /must be a list of arguments.*"node t\.js"/, line: 'trial: {' },
    { name: 'bandit without slack', text: `${MINIMAL}early_termination: {policy: bandit, evaluation_interval: 1}\n`, path: 'early_termination.slack_factor', message: /bandit needs slack_factor/, line: 'early_termination' },
    { name: 'missing section', text: MINIMAL.replace('objective: {metric: f1, goal: maximize}\n', ''), path: 'objective', message: /expected object|required/, line: 'experiment_name' },
    { name: 'reserved parameter name', text: MINIMAL.replace('  lr: {', '  lr: {type: choice, values: [1]}\n  trial_dir: {').replace('"{lr}"', '"{lr}"'), path: 'search_space.trial_dir', message: /reserved/, line: 'trial_dir:' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = errorOf(c.text);
      const issue = err.issues.find((i) => i.path === c.path);
      expect(issue, `issues: ${JSON.stringify(err.issues)}`).toBeDefined();
      expect(issue?.message).toMatch(c.message);
      expect(issue?.line).toBe(lineOf(c.text, c.line));
      expect(err.message).toContain(`sweep.yaml:${issue?.line}:`);
      expect(err.message).toContain(c.path);
    });
  }

  it('reports every problem at once, in file order, even across sections', () => {
    const text = MINIMAL.replace('min: 1.0e-5, max: 1.0e-3', 'min: 2, max: 1').replace('"{lr}"', '"{x}"').replace('max_trials: 5', 'max_trials: 0');
    const err = errorOf(text);
    expect(err.issues.map((i) => i.path)).toEqual(['search_space.lr.min', 'sampling.max_trials', 'trial.command.2']);
    const lines = err.issues.map((i) => i.line ?? 0);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });

  it('malformed YAML gives file:line:column', () => {
    const text = 'experiment_name: e\nbackbone: [unclosed\nsearch_space: {}\n';
    const err = errorOf(text);
    expect(err.issues[0]?.message).toMatch(/malformed YAML/);
    expect(err.issues[0]?.line).toBeGreaterThanOrEqual(2);
    expect(err.message).toMatch(/sweep\.yaml:\d+:\d+: malformed YAML/);
  });

  it('a duplicate key is malformed YAML with its line', () => {
    const text = `${MINIMAL}backbone: other\n`;
    const err = errorOf(text);
    expect(err.issues[0]?.message).toMatch(/malformed YAML.*unique/i);
    expect(err.issues[0]?.line).toBe(lineOf(text, 'backbone: other'));
  });

  it('an empty file and a non-mapping are explained', () => {
    expect(errorOf('').message).toMatch(/empty/);
    expect(errorOf('- a\n- b\n').message).toMatch(/top level must be a mapping/);
  });

  it('a missing file names the path and says what to do', () => {
    const p = path.join(os.tmpdir(), `nope-${process.pid}.yaml`);
    expect(() => loadConfigFile(p)).toThrow(ConfigError);
    expect(() => loadConfigFile(p)).toThrow(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*does not exist`));
  });

  it('loads a real file and reports its name in errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    try {
      const good = path.join(dir, 'good.yaml');
      fs.writeFileSync(good, EXAMPLE);
      expect(loadConfigFile(good).backbone).toBe('distilbert');
      const bad = path.join(dir, 'bad.yaml');
      fs.writeFileSync(bad, EXAMPLE.replace('min: 0.1, max: 0.3', 'min: 0.3, max: 0.1'));
      expect(() => loadConfigFile(bad)).toThrow(new RegExp(`bad\\.yaml:${lineOf(EXAMPLE, 'dropout')}:\\d+: search_space\\.dropout\\.min: min \\(0\\.3\\) must be less than max \\(0\\.1\\)`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validation without throwing (for the UI)', () => {
  it('validateConfigObject returns issues with paths', () => {
    expect(validateConfigObject(parseConfigText(EXAMPLE, 'x'))).toEqual([]);
    const issues = validateConfigObject({ experiment_name: 'e', backbone: 'b', search_space: { p: { type: 'int', min: 3, max: 1 } }, sampling: { algorithm: 'tpe', max_trials: 1 }, objective: { metric: 'm', goal: 'maximize' }, trial: { command: ['x'] } });
    expect(issues).toEqual([expect.objectContaining({ path: 'search_space.p.min', message: expect.stringMatching(/less than max/) })]);
    expect(validateConfigObject('nope')[0]?.message).toMatch(/mapping/);
  });
  it('validateConfigText gives positions', () => {
    const issues = validateConfigText(MINIMAL.replace('goal: maximize', 'goal: up'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'objective.goal', line: lineOf(MINIMAL, 'objective') });
  });
});
