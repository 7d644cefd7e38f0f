// The shipped corpus (reproducible from its generator, valid BIO, every entity type, a dev set with
// unseen entities) and the shipped HPO config (loads, and its trial command runs the trainer).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../electron/core/config/loadConfig.ts';
import { expandPlaceholders, formatParamValue, placeholdersIn } from '../../shared/config.ts';
import { ENTITY_TYPES, EXAMPLE_DIR, entitySpans, readJsonl, tempDir, type Sentence } from './exampleSupport.ts';

const CONFIG = path.join(EXAMPLE_DIR, 'hpo.yaml');
const load = (part: string) => readJsonl<Sentence>(path.join(EXAMPLE_DIR, 'data', `${part}.jsonl`));

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Entity surface strings by type. */
function surfaces(data: Sentence[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>(ENTITY_TYPES.map((t) => [t, new Set<string>()]));
  for (const s of data) {
    for (const span of entitySpans(s.tags)) {
      const [type, range] = span.split('@') as [string, string];
      const [a, b] = range.split('-').map(Number) as [number, number];
      out.get(type)?.add(s.tokens.slice(a, b).join(' '));
    }
  }
  return out;
}

describe('resume-ner corpus', () => {
  it('is exactly what its seeded generator produces', async () => {
    const out = tempDir('corpus');
    const r = await run(process.execPath, [path.join(EXAMPLE_DIR, 'data/make_corpus.mjs'), '--out', out], EXAMPLE_DIR);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['train.jsonl', 'dev.jsonl']) {
      expect(readFileSync(path.join(out, f), 'utf8'), f).toBe(readFileSync(path.join(EXAMPLE_DIR, 'data', f), 'utf8'));
    }
  });

  it('has a few hundred valid BIO lines with every required entity type in train and dev', () => {
    const train = load('train');
    const dev = load('dev');
    expect(train.length + dev.length).toBeGreaterThanOrEqual(300);
    expect(dev.length).toBeGreaterThanOrEqual(100);
    for (const [name, data] of [['train', train], ['dev', dev]] as const) {
      const types = new Set<string>();
      for (const s of data) {
        expect(s.tokens.length).toBe(s.tags.length);
        s.tags.forEach((t, i) => {
          expect(t).toMatch(/^(O|[BI]-(NAME|EMAIL|PHONE|SKILL|COMPANY|DEGREE|DATE|LOCATION))$/);
          if (t.startsWith('I-')) expect(s.tags[i - 1]?.slice(2), `${name}: ${s.tokens.join(' ')}`).toBe(t.slice(2));
          if (t !== 'O') types.add(t.slice(2));
        });
      }
      expect([...types].sort(), name).toEqual([...ENTITY_TYPES].sort());
    }
  });

  it('holds dev entities never seen in training, so the score measures generalisation', () => {
    const seen = surfaces(load('train'));
    const dev = surfaces(load('dev'));
    for (const type of ['NAME', 'COMPANY', 'SKILL', 'LOCATION', 'EMAIL', 'PHONE']) {
      const d = [...(dev.get(type) ?? [])];
      const unseen = d.filter((x) => !seen.get(type)?.has(x));
      expect(unseen.length / d.length, type).toBeGreaterThan(0.25);
    }
  });
});

describe('resume-ner HPO config', () => {
  it('loads with the issue example\'s search space, objective and checkpoint section', () => {
    const c = loadConfigFile(CONFIG);
    expect(c.experiment_name).toBe('resume_ner_baseline-hpo-distilbert');
    expect(c.backbone).toBe('distilbert');
    expect(Object.fromEntries(Object.entries(c.search_space).map(([k, v]) => [k, v.type]))).toEqual({
      learning_rate: 'loguniform', batch_size: 'choice', dropout: 'uniform', epochs: 'int', warmup_steps: 'int',
    });
    expect(c.sampling.algorithm).toBe('tpe');
    expect(c.sampling.max_trials).toBe(20);
    expect(c.objective).toEqual({ metric: 'macro-f1', goal: 'maximize' });
    expect(c.early_termination.policy).toBe('median');
    expect(c.checkpoint).toEqual({ enabled: true, storage_path: '{backbone}/study.db', auto_resume: true });
    // Every swept param reaches the trainer.
    const used = new Set(c.trial.command.flatMap(placeholdersIn));
    for (const k of Object.keys(c.search_space)) expect(used.has(k), k).toBe(true);
  });

  it('runs its trial command at both corners of the search space, from the config\'s directory', async () => {
    const c = loadConfigFile(CONFIG);
    // trial.cwd is unset, so the runner starts trials in the config file's directory and
    // "./train.mjs" is the trainer beside it.
    const cwd = path.dirname(CONFIG);
    expect(existsSync(path.resolve(cwd, c.trial.command[1] ?? ''))).toBe(true);
    const corners = [
      { learning_rate: 1e-5, batch_size: 32, dropout: 0.3, epochs: 2, warmup_steps: 1000 },
      { learning_rate: 5e-5, batch_size: 8, dropout: 0.1, epochs: 4, warmup_steps: 10 },
    ];
    for (const params of corners) {
      const trialDir = tempDir('trial');
      const vars: Record<string, string> = { backbone: c.backbone, trial_number: '0', trial_dir: trialDir };
      for (const [k, v] of Object.entries(params)) vars[k] = formatParamValue(v);
      const argv = c.trial.command.map((a) => expandPlaceholders(a, vars));
      const [cmd, ...args] = argv as [string, ...string[]];
      const r = await run(cmd === 'node' ? process.execPath : cmd, args, cwd);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.match(/^macro-f1=\S+ step=\d+$/gm)).toHaveLength(params.epochs);
      expect(existsSync(path.join(trialDir, 'metrics.json'))).toBe(true);
    }
  });
});
