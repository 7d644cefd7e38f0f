import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrialProcess } from '../../electron/core/sweeps/trialProcess.ts';
import { until } from '../support/until.ts';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-trialproc-'));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('trial process', () => {
  it('records stdout/stderr to files in the trial dir, streams lines, and passes env', async () => {
    const dir = path.join(tmp(), 'trial_0');
    const lines: string[] = [];
    const errLines: string[] = [];
    const p = new TrialProcess({
      argv: [process.execPath, '-e', 'process.stdout.write("a=1\\npartial"); setTimeout(()=>{console.log(" end " + process.env.SWEEPDECK_X); console.error("oops"); process.exit(4)}, 30)'],
      cwd: os.tmpdir(),
      trialDir: dir,
      env: { SWEEPDECK_X: 'xyz' },
      onStdoutLine: (l) => lines.push(l),
      onStderrLine: (l) => errLines.push(l),
    });
    const exit = await p.done;
    expect(exit).toMatchObject({ kind: 'exited', code: 4, signal: null, stopReason: null, stderrTail: 'oops' });
    expect(lines).toEqual(['a=1', 'partial end xyz']);
    expect(errLines).toEqual(['oops']);
    expect(readFileSync(path.join(dir, 'stdout.log'), 'utf8')).toBe('a=1\npartial end xyz\n');
    expect(readFileSync(path.join(dir, 'stderr.log'), 'utf8')).toBe('oops\n');
  });

  it('reports a missing program with its name and what to do', async () => {
    const p = new TrialProcess({ argv: ['definitely-not-a-program-xyz', '--a'], cwd: os.tmpdir(), trialDir: path.join(tmp(), 't'), env: {} });
    const exit = await p.done;
    expect(exit.kind).toBe('spawn-error');
    expect(exit.error).toMatch(/"definitely-not-a-program-xyz" was not found \(ENOENT.*PATH/);
  });

  it('stop reaches grandchildren and escalates to SIGKILL when SIGTERM is ignored', async () => {
    const dir = path.join(tmp(), 't');
    const pidFile = path.join(dir, 'grandchild.pid');
    // The child spawns a grandchild that ignores SIGTERM, then ignores SIGTERM itself.
    const script = `
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
      process.on('SIGTERM', () => console.log('got TERM'));
      console.log('ready');
      setInterval(() => {}, 1000);`;
    let ready!: () => void;
    const readyP = new Promise<void>((r) => (ready = r));
    const p = new TrialProcess({ argv: [process.execPath, '-e', script], cwd: os.tmpdir(), trialDir: dir, env: {}, killGraceMs: 300, onStdoutLine: (l) => l === 'ready' && ready() });
    await readyP;
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(grandchild)).toBe(true);
    p.stop('pruned');
    const exit = await p.done;
    expect(exit.stopReason).toBe('pruned');
    // SIGTERM first (the trial saw it and ignored it), SIGKILL after the grace period.
    expect(readFileSync(path.join(dir, 'stdout.log'), 'utf8')).toContain('got TERM');
    expect(exit.signal).toBe('SIGKILL');
    await until('the grandchild to die with its group', async () => !alive(grandchild), 10_000, 20);
  });

  it('enforces the trial timeout', async () => {
    const p = new TrialProcess({ argv: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], cwd: os.tmpdir(), trialDir: path.join(tmp(), 't'), env: {}, timeoutMs: 200, killGraceMs: 1000 });
    const exit = await p.done;
    expect(exit.stopReason).toBe('timeout');
    expect(exit.signal).toBe('SIGTERM');
  });
});
