// Stored text with terminal control sequences (an experiment, run or study named with ESC/BEL)
// reaches the terminal made visible, never raw, through the real `sweepdeck` command.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneLine, terminalSafe } from '../../electron/cli/terminalText.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { openTrackingStore } from '../../electron/core/tracking/openStore.ts';
import { REPO_ROOT } from '../support/peers.ts';

// Sets the window title, clears the screen, rings the bell; then a C1 CSI and a bidi override.
const EVIL = 'exp\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e';
const SHOWN = 'exp\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202e';
// Any control character a terminal acts on (tab and newline excepted).
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/sweepdeck.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('terminal-safe text', () => {
  it('shows control characters as visible escapes, keeping line breaks only where output has lines', () => {
    expect(terminalSafe(`a${EVIL}\tb\nc\rd`)).toBe(`a${SHOWN}\tb\nc\\u000dd`);
    expect(oneLine('run\nfake line\tx')).toBe('run\\u000afake line\\u0009x');
    expect(terminalSafe('précision 损失 ✓')).toBe('précision 损失 ✓');
  });
});

describe('sweepdeck with stored names holding escape sequences', () => {
  it('runs ls prints them visibly in text and in JSON (which still reads back the exact name)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-escapes-'));
    const uri = `sqlite:///${path.join(dir, 'mlflow.db')}`;
    const store = await openTrackingStore(uri, { create: true });
    try {
      const experimentId = await store.createExperiment(EVIL);
      const parent = await store.createRun({ experimentId, runName: `parent${EVIL}` });
      await store.createRun({ experimentId, runName: `trial\n${EVIL}`, tags: [{ key: 'mlflow.parentRunId', value: parent.info.run_id }] });
      await store.logParam(parent.info.run_id, { key: 'learning_rate', value: `0.1${EVIL}` });
    } finally {
      await store.close();
    }

    const text = cli('runs', 'ls', '--store', uri);
    expect(text.code, text.err).toBe(0);
    expect(text.out).not.toMatch(RAW_CONTROL);
    expect(text.out).toContain(`Experiment ${SHOWN}`);
    expect(text.out).toContain(`parent${SHOWN}`);
    // A newline inside a name cannot forge a line of its own.
    expect(text.out).toContain(`trial\\u000a${SHOWN}`);

    const json = cli('runs', 'ls', '--store', uri, '--json');
    expect(json.code, json.err).toBe(0);
    expect(json.out).not.toMatch(RAW_CONTROL);
    const doc = JSON.parse(json.out) as { experiments: Array<{ experiment: { name: string } }> };
    expect(doc.experiments.map((e) => e.experiment.name)).toContain(EVIL);

    // An error message quoting what the user typed goes to stderr made visible too.
    const missing = cli('runs', 'ls', '--store', uri, '--experiment', `nope${EVIL}`);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`nope${SHOWN}`);
    expect(missing.err).not.toMatch(RAW_CONTROL);
  }, 60_000);

  it('sweep status prints a study name visibly', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-escapes-'));
    const file = path.join(dir, 'study.db');
    const storage = openStudyStorage(file, { create: true });
    try {
      storage.createStudy(`study${EVIL}`, ['maximize']);
    } finally {
      storage.close();
    }
    const r = cli('sweep', 'status', file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(RAW_CONTROL);
    expect(r.out).toContain(`Study study${SHOWN}`);
  }, 60_000);

  it('sweep fail-trial prints a study name visibly', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-escapes-'));
    const file = path.join(dir, 'study.db');
    const storage = openStudyStorage(file, { create: true });
    try {
      const { studyId } = storage.createStudy(`study${EVIL}`, ['maximize']);
      storage.createTrial(studyId);
    } finally {
      storage.close();
    }
    const r = cli('sweep', 'fail-trial', file, '--trial', '0', '--retry', '--force');
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(RAW_CONTROL);
    expect(r.out).toContain(`study 'study${SHOWN}' is now FAIL`);
  }, 60_000);
});
