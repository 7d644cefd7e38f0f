// The headless path a user takes: `sweepdeck sweep run` on the example tracks into the local
// store by default, `sweepdeck runs ls` shows the parent with its trials nested, and
// `--no-tracking` leaves no MLflow store behind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { REPO_ROOT } from '../support/peers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const exampleDir = path.join(REPO_ROOT, 'resources/examples/resume-ner');
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

function cli(args: string[], cwd = tmp) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/sweepdeck.js'), ...args], { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The example config with short trainings, its trainer found through trial.cwd. */
function smallConfig(name: string): string {
  const cfg = YAML.parse(readFileSync(path.join(exampleDir, 'hpo.yaml'), 'utf8'));
  cfg.search_space.epochs = { type: 'int', min: 2, max: 4, step: 2 };
  cfg.trial.cwd = exampleDir;
  const file = path.join(tmp, name);
  writeFileSync(file, YAML.stringify(cfg));
  return file;
}

describe('sweepdeck sweep run + runs ls', () => {
  it('tracks the sweep to <output>/mlflow.db and runs ls shows the parent with every trial nested', () => {
    const run = cli(['sweep', 'run', smallConfig('hpo.yaml'), '--max-trials', '2']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^tracking: local sqlite:\/\/\/.*sweepdeck-output\/mlflow\.db \(Azure ML is not configured/m);
    const parentId = /^parent run ([0-9a-f]{32}) /m.exec(run.out)?.[1];
    expect(parentId).toBeDefined();

    const ls = cli(['runs', 'ls', '--json']);
    expect(ls.code).toBe(0);
    const tree = JSON.parse(ls.out) as { experiments: Array<{ experiment: { name: string }; runs: Array<{ run: { info: { run_id?: string; run_uuid: string; run_name: string } }; children: Array<{ info: { run_name: string; status: string }; data: { metrics?: Array<{ key: string }> } }> }> }> };
    const exp = tree.experiments.find((e) => e.experiment.name === 'resume_ner_baseline-hpo-distilbert');
    expect(exp).toBeDefined();
    expect(exp!.runs).toHaveLength(1);
    const parent = exp!.runs[0]!;
    expect(parent.run.info.run_uuid).toBe(parentId);
    expect(parent.children.map((c) => c.info.run_name).sort()).toEqual(['trial_0', 'trial_1']);
    for (const child of parent.children) {
      expect(child.info.status).toBe('FINISHED');
      expect((child.data.metrics ?? []).map((m) => m.key)).toContain('macro-f1');
    }

    const text = cli(['runs', 'ls']);
    expect(text.out).toContain(parentId);
    expect(text.out).toMatch(/trial_0/);
  });

  it('--no-tracking runs the sweep without an MLflow store', () => {
    const out = path.join(tmp, 'untracked');
    const run = cli(['sweep', 'run', smallConfig('hpo2.yaml'), '--max-trials', '1', '--output-dir', out, '--no-tracking']);
    expect(run.code).toBe(0);
    expect(run.out).not.toMatch(/^tracking:/m);
    expect(existsSync(path.join(out, 'distilbert', 'study.db'))).toBe(true);
    expect(existsSync(path.join(out, 'mlflow.db'))).toBe(false);
  });
});
