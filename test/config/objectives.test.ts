// `objectives:` (a multi-objective sweep) beside `objective:`, and `constraints:`.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, validateConfigObject } from '../../electron/core/config/loadConfig.ts';
import { MINIMAL_CONFIG as MINIMAL } from './minimalConfig.ts';

const MULTI = MINIMAL.replace('sampling: {algorithm: random, max_trials: 5}', 'sampling: {max_trials: 5}').replace(
  'objective: {metric: f1, goal: maximize}',
  'objectives:\n  - {metric: f1, goal: maximize}\n  - {metric: latency_ms, goal: minimize}',
);

function errorOf(text: string): ConfigError {
  try {
    parseConfigText(text, 'sweep.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('objectives', () => {
  it('a single objective gives objectives of one and no constraints', () => {
    const c = parseConfigText(MINIMAL, 'sweep.yaml');
    expect(c.objectives).toEqual([{ metric: 'f1', goal: 'maximize' }]);
    expect(c.objective).toEqual({ metric: 'f1', goal: 'maximize' });
    expect(c.constraints).toEqual([]);
    expect(c.sampling.algorithm).toBe('random');
  });

  it('objectives keep their order; objective is the first; the sampler defaults to nsga2', () => {
    const c = parseConfigText(`${MULTI}constraints: [memory_over]\n`, 'sweep.yaml');
    expect(c.objectives).toEqual([{ metric: 'f1', goal: 'maximize' }, { metric: 'latency_ms', goal: 'minimize' }]);
    expect(c.objective).toEqual({ metric: 'f1', goal: 'maximize' });
    expect(c.constraints).toEqual(['memory_over']);
    expect(c.sampling.algorithm).toBe('nsga2');
    // What the loader returns validates again (the app re-checks stored configs).
    expect(validateConfigObject(c)).toEqual([]);
  });

  it('tpe (multi-objective TPE), random and grid take several objectives too', () => {
    for (const algorithm of ['tpe', 'random', 'grid']) {
      expect(parseConfigText(MULTI.replace('sampling: {max_trials: 5}', `sampling: {algorithm: ${algorithm}, max_trials: 5}`), 'sweep.yaml').sampling.algorithm).toBe(algorithm);
    }
  });

  const bad: Array<{ name: string; text: string; path: string; message: RegExp }> = [
    { name: 'both objective and objectives', text: MULTI.replace('objectives:', 'objective: {metric: loss, goal: minimize}\nobjectives:'), path: 'objectives', message: /either objective .* or objectives .*not both/ },
    { name: 'neither', text: MINIMAL.replace('objective: {metric: f1, goal: maximize}\n', ''), path: 'objective', message: /objective is required.*objectives/ },
    { name: 'empty objectives', text: MULTI.replace(/objectives:\n.*\n.*\n/, 'objectives: []\n'), path: 'objectives', message: /must not be empty/ },
    { name: 'a bad goal in the list', text: MULTI.replace('goal: minimize', 'goal: lower'), path: 'objectives.1.goal', message: /maximize or minimize/ },
    { name: 'a metric twice', text: MULTI.replace('latency_ms', 'f1'), path: 'objectives.1.metric', message: /"f1" is already objective 0/ },
    { name: 'a pruner with several objectives', text: `${MULTI}early_termination: {policy: median}\n`, path: 'early_termination.policy', message: /policy "median".*multi-objective.*policy: none/ },
    { name: 'an unknown sampler with several objectives', text: MULTI.replace('sampling: {max_trials: 5}', 'sampling: {algorithm: motpe, max_trials: 5}'), path: 'sampling.algorithm', message: /tpe, random, grid, nsga2/ },
    { name: 'no algorithm with one objective', text: MINIMAL.replace('algorithm: random, ', ''), path: 'sampling.algorithm', message: /algorithm is required/ },
    { name: 'NSGA-II settings on another sampler', text: MINIMAL.replace('max_trials: 5', 'max_trials: 5, population_size: 10'), path: 'sampling.population_size', message: /NSGA-II setting: use algorithm: nsga2/ },
    { name: 'population of one', text: MULTI.replace('sampling: {max_trials: 5}', 'sampling: {max_trials: 5, population_size: 1}'), path: 'sampling.population_size', message: /at least 2/ },
    { name: 'constraints not a list', text: `${MULTI}constraints: memory_over\n`, path: 'constraints', message: /list of metric names/ },
    { name: 'a constraint twice', text: `${MULTI}constraints: [a, a]\n`, path: 'constraints.1', message: /listed twice/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}, naming the file and field`, () => {
      const err = errorOf(c.text);
      const issue = err.issues.find((i) => i.path === c.path);
      expect(issue, JSON.stringify(err.issues)).toBeDefined();
      expect(issue?.message).toMatch(c.message);
      expect(err.message).toContain('sweep.yaml:');
      expect(err.message).toContain(c.path);
    });
  }
});
