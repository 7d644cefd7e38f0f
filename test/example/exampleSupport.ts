// Runs the example trainer as the sweep runner does: a separate `node` process, argv only, metrics
// read from stdout. Asynchronous on purpose, so an HTTP server in the test process can answer it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/peers.ts';

export const EXAMPLE_DIR = path.join(REPO_ROOT, 'resources/examples/resume-ner');
export const TRAINER = path.join(EXAMPLE_DIR, 'train.mjs');
export const ENTITY_TYPES = ['NAME', 'EMAIL', 'PHONE', 'SKILL', 'COMPANY', 'DEGREE', 'DATE', 'LOCATION'] as const;

export interface TrainerRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** `macro-f1` values in the order printed. */
  f1: number[];
  /** `loss` values in the order printed. */
  loss: number[];
  /** The step printed beside each `macro-f1`. */
  f1Steps: number[];
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `sweepdeck-example-${prefix}-`));
}

/** Metric values of `key` from lines made only of `name=value` pairs (the runner's rule). */
function metricValues(stdout: string, key: string): { values: number[]; steps: number[] } {
  const values: number[] = [];
  const steps: number[] = [];
  for (const line of stdout.split('\n')) {
    const pairs = line.trim().split(/\s+/).filter(Boolean).map((t) => /^([^=]+)=(.+)$/.exec(t));
    if (pairs.length === 0 || pairs.some((p) => p === null)) continue;
    const map = new Map(pairs.map((p) => [p?.[1] ?? '', p?.[2] ?? '']));
    const v = map.get(key);
    if (v === undefined) continue;
    values.push(Number(v));
    steps.push(Number(map.get('step') ?? NaN));
  }
  return { values, steps };
}

export function runTrainer(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<TrainerRun> {
  return new Promise((resolve, reject) => {
    // A clean MLflow environment unless the test sets one: the developer's own must not leak in.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MLFLOW_')));
    const child = spawn(process.execPath, [TRAINER, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`trainer timed out after ${timeoutMs} ms\n${stderr}`)); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const f1 = metricValues(stdout, 'macro-f1');
      resolve({ code, stdout, stderr, f1: f1.values, f1Steps: f1.steps, loss: metricValues(stdout, 'loss').values });
    });
  });
}

export interface Sentence { tokens: string[]; tags: string[] }

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

/**
 * Entity spans written independently of the trainer: a span starts at B-X (or at an I-X that does
 * not continue an X span) and runs over the following I-X.
 */
export function entitySpans(tags: readonly string[]): Set<string> {
  const out = new Set<string>();
  let type = '';
  let start = -1;
  tags.forEach((tag, i) => {
    const continues = tag.startsWith('I-') && start >= 0 && tag.slice(2) === type;
    if (continues) return;
    if (start >= 0) out.add(`${type}@${start}-${i}`);
    start = tag === 'O' ? -1 : i;
    type = tag === 'O' ? '' : tag.slice(2);
  });
  if (start >= 0) out.add(`${type}@${start}-${tags.length}`);
  return out;
}

/** Mean over the eight entity types of exact-span F1 (a type with no true positive scores 0). */
export function macroF1(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): number {
  const count = new Map<string, { tp: number; fp: number; fn: number }>(ENTITY_TYPES.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  gold.forEach((g, i) => {
    const gs = entitySpans(g);
    const ps = entitySpans(pred[i] ?? []);
    for (const s of ps) { const c = count.get(s.split('@')[0] ?? ''); if (c) { if (gs.has(s)) c.tp++; else c.fp++; } }
    for (const s of gs) { const c = count.get(s.split('@')[0] ?? ''); if (c && !ps.has(s)) c.fn++; }
  });
  let sum = 0;
  for (const { tp, fp, fn } of count.values()) sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return sum / ENTITY_TYPES.length;
}
