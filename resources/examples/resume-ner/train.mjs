#!/usr/bin/env node
// Résumé NER trainer: a structured (BIO + Viterbi) averaged perceptron with a cost-augmented margin,
// over hand-made token features. Plain Node, no dependencies, so the example sweep runs anywhere the
// app does. Prints `loss=<n>` and `macro-f1=<n>` (entity-level, dev set) once per epoch on stdout,
// each with `step=<epoch>` (0-based), and logs the same metrics to MLflow over REST when
// MLFLOW_TRACKING_URI and MLFLOW_RUN_ID are set.
//
// usage: node train.mjs --learning-rate 3e-5 --batch-size 16 --dropout 0.1 --epochs 6
//                       --warmup-steps 100 --output-dir DIR [--data-dir DIR] [--seed N]
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './rng.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ENTITY_TYPES = ['NAME', 'EMAIL', 'PHONE', 'SKILL', 'COMPANY', 'DEGREE', 'DATE', 'LOCATION'];
export const LABELS = ['O', ...ENTITY_TYPES.flatMap((t) => [`B-${t}`, `I-${t}`])];
const L = LABELS.length;
/** The config's learning-rate range (1e-5..5e-5) was written for a transformer; this maps it onto a
 * perceptron step of 0.1..0.5, where it trades margin against update size (see README). */
export const LR_SCALE = 1e4;

// ---- arguments ------------------------------------------------------------------------------------
/**
 * @typedef {{learningRate: number, batchSize: number, dropout: number, epochs: number,
 *   warmupSteps: number, outputDir: string | null, dataDir: string, seed: number,
 *   raw: Record<string, string>}} Options
 */
class UsageError extends Error {}

/** @param {string[]} argv @returns {Options} */
export function parseArgs(argv) {
  /** @type {Record<string, string>} */
  const raw = {};
  const known = ['--learning-rate', '--batch-size', '--dropout', '--epochs', '--warmup-steps', '--output-dir',
    '--data-dir', '--seed'];
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!known.includes(flag)) throw new UsageError(`unknown argument "${a}"; expected one of ${known.join(', ')}`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    raw[flag.slice(2)] = value;
  }
  /** @param {string} key @param {string} fallback @param {(n: number) => boolean} ok @param {string} want */
  const num = (key, fallback, ok, want) => {
    const s = raw[key] ?? fallback;
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${key} "${s}" is invalid: expected ${want}`);
    return n;
  };
  return {
    learningRate: num('learning-rate', '3e-5', (n) => n > 0, 'a number > 0 (e.g. 3e-5)'),
    batchSize: num('batch-size', '16', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1'),
    dropout: num('dropout', '0.1', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    epochs: num('epochs', '6', (n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'an integer in 1..1000'),
    warmupSteps: num('warmup-steps', '0', (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0'),
    seed: num('seed', '1', (n) => Number.isInteger(n), 'an integer'),
    outputDir: raw['output-dir'] ?? null,
    dataDir: raw['data-dir'] ?? path.join(HERE, 'data'),
    raw,
  };
}

// ---- data -----------------------------------------------------------------------------------------
/** @typedef {{tokens: string[], tags: string[]}} Sentence */

/** @param {string} file @returns {Sentence[]} */
export function loadJsonl(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)} (use --data-dir)`);
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((line, i) => {
    /** @type {unknown} */
    let o;
    try { o = JSON.parse(line); } catch { throw new UsageError(`${file}:${i + 1}: not valid JSON`); }
    const s = /** @type {{tokens?: unknown, tags?: unknown}} */ (o);
    if (!Array.isArray(s.tokens) || !Array.isArray(s.tags) || s.tokens.length !== s.tags.length) {
      throw new UsageError(`${file}:${i + 1}: expected {"tokens": [...], "tags": [...]} of equal length`);
    }
    for (const t of s.tags) {
      if (!LABELS.includes(t)) throw new UsageError(`${file}:${i + 1}: unknown tag "${String(t)}"; known: ${LABELS.join(' ')}`);
    }
    return { tokens: s.tokens.map(String), tags: s.tags.map(String) };
  });
}

// ---- features -------------------------------------------------------------------------------------
/** @param {string} w */
const shape = (w) => w.replace(/\p{Lu}/gu, 'X').replace(/\p{Ll}/gu, 'x').replace(/\p{Nd}/gu, 'd');
/** @param {string} w */
const shortShape = (w) => shape(w).replace(/(.)\1+/g, '$1');

/** Hand-made, gazetteer-free features of token i. @param {string[]} toks @param {number} i */
export function tokenFeatures(toks, i) {
  const w = /** @type {string} */ (toks[i]);
  const lw = w.toLowerCase();
  const ss = shortShape(w);
  const f = ['b', `w:${lw}`, `sh:${shape(w).slice(0, 12)}`, `ss:${ss}`, `len:${Math.min(w.length, 8)}`];
  for (let k = 1; k <= 3 && k <= lw.length; k++) f.push(`p${k}:${lw.slice(0, k)}`, `s${k}:${lw.slice(-k)}`);
  if (/^\p{Lu}/u.test(w)) f.push('cap');
  if (w.length > 1 && /^[\p{Lu}\d.&]+$/u.test(w)) f.push('allcap');
  if (/\d/.test(w)) f.push('digit');
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(w)) f.push('email');
  if (/^[+(]?\d[\d()-]*$/.test(w) && (w.match(/\d/g) ?? []).length >= 2) f.push('phonechars');
  if (/^(19|20)\d\d$/.test(w)) f.push('year');
  if (/^[^\p{L}\p{N}]+$/u.test(w)) f.push('punct');
  if (/\./.test(w) && /\p{L}/u.test(w)) f.push('dotted');
  for (const [d, name] of /** @type {const} */ ([[-2, 'm2'], [-1, 'm1'], [1, 'p1'], [2, 'p2']])) {
    const j = i + d;
    const t = toks[j];
    if (t === undefined) { f.push(`${name}:<${d < 0 ? 'bos' : 'eos'}>`); continue; }
    f.push(`${name}w:${t.toLowerCase()}`);
    if (Math.abs(d) === 1) f.push(`${name}ss:${shortShape(t)}`);
  }
  f.push(`m1w|ss:${(toks[i - 1] ?? '<bos>').toLowerCase()}|${ss}`);
  return f;
}

/**
 * Index every feature of a sentence. With `grow` new features get fresh ids (training set);
 * without it unseen features are dropped (dev set).
 * @param {Sentence[]} data @param {Map<string, number>} index @param {boolean} grow
 * @returns {{feats: Int32Array[], gold: Int32Array}[]}
 */
function featurize(data, index, grow) {
  return data.map((s) => ({
    feats: s.tokens.map((_, i) => {
      const ids = [];
      for (const name of tokenFeatures(s.tokens, i)) {
        let id = index.get(name);
        if (id === undefined && grow) { id = index.size; index.set(name, id); }
        if (id !== undefined) ids.push(id);
      }
      return Int32Array.from(ids);
    }),
    gold: Int32Array.from(s.tags.map((t) => LABELS.indexOf(t))),
  }));
}

// ---- model ----------------------------------------------------------------------------------------
/** BIO validity: I-X only after B-X or I-X (and never first). Index L stands for the start state. */
const ALLOWED = (() => {
  const a = new Uint8Array((L + 1) * L);
  for (let p = 0; p <= L; p++) {
    for (let c = 0; c < L; c++) {
      const cur = /** @type {string} */ (LABELS[c]);
      const prev = p === L ? 'O' : /** @type {string} */ (LABELS[p]);
      a[p * L + c] = !cur.startsWith('I-') || prev.slice(2) === cur.slice(2) && prev !== 'O' ? 1 : 0;
    }
  }
  return a;
})();

let scratch = { score: new Float64Array(64 * L), back: new Int32Array(64 * L) };
const EMIT = new Float64Array(L);

/**
 * Viterbi over emission + transition scores; `gold` (when given) adds a cost of 1 to every wrong
 * label, which turns the perceptron update into a margin-rescaled hinge step.
 * @param {Int32Array[]} feats @param {Float64Array} W @param {Float64Array} T @param {Int32Array | null} gold
 */
function viterbi(feats, W, T, gold) {
  const n = feats.length;
  // Reused buffers: this runs once per sentence per epoch, and allocation dominated the profile.
  if (scratch.score.length < n * L) scratch = { score: new Float64Array(n * L * 2), back: new Int32Array(n * L * 2) };
  const { score, back } = scratch;
  const emit = EMIT;
  for (let i = 0; i < n; i++) {
    emit.fill(0);
    for (const f of /** @type {Int32Array} */ (feats[i])) {
      const base = f * L;
      for (let c = 0; c < L; c++) emit[c] += /** @type {number} */ (W[base + c]);
    }
    if (gold) for (let c = 0; c < L; c++) if (c !== gold[i]) emit[c] += 1;
    for (let c = 0; c < L; c++) {
      let best = -Infinity;
      let arg = 0;
      if (i === 0) {
        if (ALLOWED[L * L + c]) { best = /** @type {number} */ (T[L * L + c]); arg = L; }
      } else {
        for (let p = 0; p < L; p++) {
          if (!ALLOWED[p * L + c]) continue;
          const s = /** @type {number} */ (score[(i - 1) * L + p]) + /** @type {number} */ (T[p * L + c]);
          if (s > best) { best = s; arg = p; }
        }
      }
      score[i * L + c] = best + /** @type {number} */ (emit[c]);
      back[i * L + c] = arg;
    }
  }
  const path = new Int32Array(n);
  if (n === 0) return { path, score: 0 };
  let last = 0;
  for (let c = 1; c < L; c++) if (/** @type {number} */ (score[(n - 1) * L + c]) > /** @type {number} */ (score[(n - 1) * L + last])) last = c;
  const total = /** @type {number} */ (score[(n - 1) * L + last]);
  for (let i = n - 1; i >= 0; i--) {
    path[i] = last;
    last = /** @type {number} */ (back[i * L + last]);
  }
  return { path, score: total };
}

/** @param {Int32Array[]} feats @param {Int32Array} tags @param {Float64Array} W @param {Float64Array} T */
function pathScore(feats, tags, W, T) {
  let s = 0;
  let prev = L;
  for (let i = 0; i < tags.length; i++) {
    const c = /** @type {number} */ (tags[i]);
    for (const f of /** @type {Int32Array} */ (feats[i])) s += /** @type {number} */ (W[f * L + c]);
    s += /** @type {number} */ (T[prev * L + c]);
    prev = c;
  }
  return s;
}

/**
 * Tag raw tokens with a trained model (the averaged weights `train` returns).
 * @param {string[]} tokens @param {{Wavg: Float64Array, Tavg: Float64Array, index: Map<string, number>}} model
 * @returns {string[]}
 */
export function predict(tokens, model) {
  const feats = featurize([{ tokens, tags: tokens.map(() => 'O') }], model.index, false)[0]?.feats ?? [];
  return Array.from(viterbi(feats, model.Wavg, model.Tavg, null).path, (c) => /** @type {string} */ (LABELS[c]));
}

// ---- evaluation -----------------------------------------------------------------------------------
/** Entity spans "TYPE:start:end" from a BIO label sequence. @param {ArrayLike<number>} tags */
export function spans(tags) {
  /** @type {string[]} */
  const out = [];
  let type = '';
  let start = -1;
  const close = (/** @type {number} */ end) => { if (start >= 0) out.push(`${type}:${start}:${end}`); start = -1; };
  for (let i = 0; i < tags.length; i++) {
    const lab = /** @type {string} */ (LABELS[/** @type {number} */ (tags[i])]);
    if (lab === 'O') close(i);
    else if (lab.startsWith('B-') || lab.slice(2) !== type || start < 0) { close(i); type = lab.slice(2); start = i; }
  }
  close(tags.length);
  return out;
}

/**
 * Entity-level (exact span) F1 per type and their unweighted mean over ENTITY_TYPES.
 * @param {{gold: Int32Array, pred: Int32Array}[]} pairs
 */
export function entityF1(pairs) {
  /** @type {Record<string, {tp: number, fp: number, fn: number}>} */
  const c = Object.fromEntries(ENTITY_TYPES.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  for (const { gold, pred } of pairs) {
    const g = new Set(spans(gold));
    const p = new Set(spans(pred));
    for (const s of p) { const k = /** @type {{tp: number, fp: number}} */ (c[s.split(':')[0] ?? '']); if (g.has(s)) k.tp++; else k.fp++; }
    for (const s of g) if (!p.has(s)) /** @type {{fn: number}} */ (c[s.split(':')[0] ?? '']).fn++;
  }
  /** @type {Record<string, number>} */
  const perType = {};
  for (const t of ENTITY_TYPES) {
    const { tp, fp, fn } = /** @type {{tp: number, fp: number, fn: number}} */ (c[t]);
    perType[t] = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  const macro = ENTITY_TYPES.reduce((a, t) => a + /** @type {number} */ (perType[t]), 0) / ENTITY_TYPES.length;
  return { macro, perType };
}

// ---- training -------------------------------------------------------------------------------------

/**
 * Train and evaluate; calls onEpoch after every epoch with the dev metrics of the averaged weights.
 * @param {Options} opt
 * @param {(e: {epoch: number, loss: number, macroF1: number, perType: Record<string, number>, updates: number}) => Promise<void>} onEpoch
 */
export async function train(opt, onEpoch) {
  const index = new Map();
  const trainSet = featurize(loadJsonl(path.join(opt.dataDir, 'train.jsonl')), index, true);
  const devSet = featurize(loadJsonl(path.join(opt.dataDir, 'dev.jsonl')), index, false);
  const F = index.size;
  // w: current weights; u: sum of c·Δ, so that the average over all updates is w − u/c.
  const W = new Float64Array(F * L);
  const U = new Float64Array(F * L);
  const T = new Float64Array((L + 1) * L);
  const TU = new Float64Array((L + 1) * L);
  const Wavg = new Float64Array(F * L);
  const Tavg = new Float64Array((L + 1) * L);
  const rand = rng(opt.seed);
  const baseStep = opt.learningRate * LR_SCALE;
  const order = trainSet.map((_, i) => i);
  let c = 1; // update counter (one per mini-batch)
  // Batch update: dense accumulator plus the list of touched cells, so applying and clearing it
  // costs only what the batch touched.
  const dW = new Float64Array(F * L);
  /** @type {number[]} */
  const touched = [];
  const dT = new Float64Array((L + 1) * L);
  /** @type {string[][]} */
  let devPredictions = [];

  for (let epoch = 0; epoch < opt.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [/** @type {number} */ (order[j]), /** @type {number} */ (order[i])];
    }
    let loss = 0;
    let tokens = 0;
    for (let b = 0; b < order.length; b += opt.batchSize) {
      dT.fill(0);
      const batch = order.slice(b, b + opt.batchSize);
      for (const k of batch) {
        const ex = /** @type {{feats: Int32Array[], gold: Int32Array}} */ (trainSet[k]);
        // Feature dropout: each feature occurrence is hidden with probability `dropout`, so the model
        // cannot lean on word identity alone and must also learn shape and context.
        const feats = opt.dropout > 0 ? ex.feats.map((fs) => fs.filter(() => rand() >= opt.dropout)) : ex.feats;
        const { path: pred, score } = viterbi(feats, W, T, ex.gold);
        tokens += pred.length;
        const margin = score - pathScore(feats, ex.gold, W, T);
        if (margin <= 0) continue;
        loss += margin;
        let pg = L;
        let pp = L;
        for (let i = 0; i < pred.length; i++) {
          const g = /** @type {number} */ (ex.gold[i]);
          const p = /** @type {number} */ (pred[i]);
          if (g !== p) {
            for (const f of /** @type {Int32Array} */ (feats[i])) {
              const kg = f * L + g;
              const kp = f * L + p;
              if (dW[kg] === 0) touched.push(kg);
              dW[kg] += 1;
              if (dW[kp] === 0) touched.push(kp);
              dW[kp] -= 1;
            }
          }
          if (g !== p || pg !== pp) { dT[pg * L + g] += 1; dT[pp * L + p] -= 1; }
          pg = g;
          pp = p;
        }
      }
      // Mini-batch: one averaged update per batch; warmup ramps the step linearly over the first updates.
      const warm = opt.warmupSteps > 0 ? Math.min(1, c / opt.warmupSteps) : 1;
      const step = (baseStep * warm) / batch.length;
      for (let t = 0; t < touched.length; t++) {
        const k = /** @type {number} */ (touched[t]);
        const v = /** @type {number} */ (dW[k]);
        W[k] += step * v;
        U[k] += c * step * v;
        dW[k] = 0;
      }
      touched.length = 0;
      for (let k = 0; k < dT.length; k++) {
        const v = /** @type {number} */ (dT[k]);
        if (v !== 0) { T[k] += step * v; TU[k] += c * step * v; }
      }
      c++;
    }
    for (let k = 0; k < W.length; k++) Wavg[k] = /** @type {number} */ (W[k]) - /** @type {number} */ (U[k]) / c;
    for (let k = 0; k < T.length; k++) Tavg[k] = /** @type {number} */ (T[k]) - /** @type {number} */ (TU[k]) / c;
    const pairs = devSet.map((ex) => ({ gold: ex.gold, pred: viterbi(ex.feats, Wavg, Tavg, null).path }));
    devPredictions = pairs.map((p) => Array.from(p.pred, (c) => /** @type {string} */ (LABELS[c])));
    const { macro, perType } = entityF1(pairs);
    await onEpoch({ epoch, loss: tokens > 0 ? loss / tokens : 0, macroF1: macro, perType, updates: c - 1 });
  }
  return { features: F, trainSentences: trainSet.length, devSentences: devSet.length, Wavg, Tavg, index, devPredictions };
}

// ---- MLflow over REST (no client library) -------------------------------------------------------------
/**
 * Logs to the run named by MLFLOW_RUN_ID, like `mlflow.start_run()` inside a trial would. It never
 * ends the run (the orchestrator does), and a failing server only costs a warning: stdout carries the
 * same metrics to the runner.
 * @param {NodeJS.ProcessEnv} env
 */
export function mlflowLogger(env) {
  const uri = env.MLFLOW_TRACKING_URI ?? '';
  const runId = env.MLFLOW_RUN_ID ?? '';
  const enabled = /^https?:\/\//i.test(uri) && runId !== '';
  const url = `${uri.replace(/\/+$/, '')}/api/2.0/mlflow/runs/log-batch`;
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/json' };
  if (env.MLFLOW_TRACKING_TOKEN) headers.Authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
  let failures = 0;
  const MAX_FAILURES = 3;

  /** @param {object} body @returns {Promise<{ok: boolean, status: number, errorCode: string, message: string}>} */
  async function logBatch(body) {
    if (!enabled || failures >= MAX_FAILURES) return { ok: false, status: 0, errorCode: '', message: 'disabled' };
    const payload = JSON.stringify({ run_id: runId, ...body });
    const send = async () => {
      const { status, text } = await postJson(url, headers, payload, 10_000);
      if (status >= 200 && status < 300) { failures = 0; return { ok: true, status, errorCode: '', message: '' }; }
      /** @type {{error_code?: string, message?: string}} */
      let err = {};
      try { err = JSON.parse(text); } catch { /* not JSON: keep the status only */ }
      return { ok: false, status, errorCode: err.error_code ?? '', message: err.message ?? text.slice(0, 200) };
    };
    /** @param {unknown} e */
    const network = (e) => {
      const code = e instanceof Error ? /** @type {Error & {code?: string}} */ (e).code ?? e.name : 'Error';
      return { ok: false, status: 0, errorCode: 'NETWORK', message: `${code}: ${e instanceof Error ? e.message : String(e)}` };
    };
    try {
      return await send();
    } catch (e) {
      if (e instanceof Error && e.name === 'TimeoutError') return network(e);
      // One resend of the identical body after a connection error (reset, refused while the server
      // restarts). Timestamps are in the body, and MLflow ignores an exact duplicate metric.
      await new Promise((r) => setTimeout(r, 250));
      try { return await send(); } catch (e2) { return network(e2); }
    }
  }
  /** @param {string} what @param {{status: number, errorCode: string, message: string}} r */
  function warn(what, r) {
    failures++;
    // The URL is printed, never the token.
    process.stderr.write(`warning: MLflow ${what} to ${url} failed (${r.status || r.errorCode}${r.errorCode && r.status ? ` ${r.errorCode}` : ''}: ${r.message}); training continues, metrics stay on stdout\n`);
    if (failures === MAX_FAILURES) process.stderr.write(`warning: ${MAX_FAILURES} MLflow failures in a row; not logging to MLflow for the rest of this trial\n`);
  }

  return {
    enabled,
    /** @param {Record<string, string>} hyper @param {Record<string, string>} own */
    async logParams(hyper, own) {
      if (!enabled) return;
      const toList = (/** @type {Record<string, string>} */ o) => Object.entries(o).map(([key, value]) => ({ key, value }));
      const r1 = await logBatch({ params: toList(own) });
      if (!r1.ok) warn('log-batch (params)', r1);
      const r2 = await logBatch({ params: toList(hyper) });
      // The orchestrator may already have logged the trial's params, possibly formatted differently;
      // MLflow refuses to change a param (400 INVALID_PARAMETER_VALUE), and theirs are as good.
      if (!r2.ok && !(r2.status === 400 && r2.errorCode === 'INVALID_PARAMETER_VALUE')) warn('log-batch (params)', r2);
    },
    /** @param {Record<string, number>} metrics @param {number} step */
    async logMetrics(metrics, step) {
      if (!enabled) return;
      const timestamp = Date.now();
      const r = await logBatch({ metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step })) });
      if (!r.ok) warn('log-batch (metrics)', r);
    },
  };
}

/**
 * POST over a fresh connection each time (no keep-alive): a trial logs a few requests a minute, and
 * a reused socket that the server closes after its idle timeout fails the next request (seen under
 * load with fetch's connection pool).
 * @param {string} url @param {Record<string, string>} headers @param {string} body @param {number} timeoutMs
 * @returns {Promise<{status: number, text: string}>}
 */
function postJson(url, headers, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, {
      method: 'POST', agent: false, timeout: timeoutMs,
      headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => {
      const e = new Error(`no answer within ${timeoutMs} ms`);
      e.name = 'TimeoutError';
      req.destroy(e);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---- main -----------------------------------------------------------------------------------------
/** @param {string} file @param {unknown} data */
function writeJsonAtomic(file, data) {
  // tmp + rename: a trial killed mid-write (pruned, timed out) leaves the previous complete file.
  writeFileSync(`${file}.tmp`, JSON.stringify(data, null, 1));
  renameSync(`${file}.tmp`, file);
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  if (opt.outputDir) mkdirSync(opt.outputDir, { recursive: true });
  const mlflow = mlflowLogger(process.env);
  if (!mlflow.enabled && process.env.MLFLOW_TRACKING_URI) {
    process.stderr.write(`note: MLflow logging is off (it needs an http(s) MLFLOW_TRACKING_URI and MLFLOW_RUN_ID); metrics go to stdout only\n`);
  }
  await mlflow.logParams(
    {
      learning_rate: opt.raw['learning-rate'] ?? String(opt.learningRate), batch_size: String(opt.batchSize),
      dropout: opt.raw.dropout ?? String(opt.dropout), epochs: String(opt.epochs), warmup_steps: String(opt.warmupSteps),
    },
    { 'trainer.model': 'averaged structured perceptron (BIO, Viterbi, cost-augmented)', 'trainer.seed': String(opt.seed),
      'trainer.step_size': String(opt.learningRate * LR_SCALE) },
  );
  /** @type {{epoch: number, loss: number, 'macro-f1': number, per_type: Record<string, number>}[]} */
  const history = [];
  const started = Date.now();
  const result = await train(opt, async ({ epoch, loss, macroF1, perType, updates }) => {
    const f1 = Number(macroF1.toFixed(6));
    const l = Number(loss.toFixed(6));
    // The explicit step (0-based epoch) is the same step the MLflow channel uses, so a runner reading
    // both channels sees one point per epoch.
    process.stdout.write(`loss=${l} step=${epoch}\nmacro-f1=${f1} step=${epoch}\n`);
    const types = Object.entries(perType).map(([t, v]) => `${t} ${v.toFixed(2)}`).join(', ');
    process.stderr.write(`epoch ${epoch + 1}/${opt.epochs}: loss ${l}, dev macro-F1 ${f1} (${types}); ${updates} updates\n`);
    history.push({ epoch, loss: l, 'macro-f1': f1, per_type: perType });
    if (opt.outputDir) writeJsonAtomic(path.join(opt.outputDir, 'metrics.json'), { params: opt.raw, history });
    await mlflow.logMetrics({ 'macro-f1': f1, loss: l }, epoch);
  });
  if (opt.outputDir) {
    // Only non-negligible averaged weights, rounded: the model stays a few hundred kB.
    /** @type {Record<string, Record<string, number>>} */
    const weights = {};
    for (const [name, id] of result.index) {
      for (let c = 0; c < L; c++) {
        const v = /** @type {number} */ (result.Wavg[id * L + c]);
        if (Math.abs(v) >= 0.01) (weights[name] ??= {})[/** @type {string} */ (LABELS[c])] = Number(v.toFixed(3));
      }
    }
    // The final epoch's dev tags, one line per dev sentence, to inspect errors or re-score.
    writeFileSync(path.join(opt.outputDir, 'dev-predictions.jsonl'), result.devPredictions.map((t) => JSON.stringify(t)).join('\n') + '\n');
    writeJsonAtomic(path.join(opt.outputDir, 'model.json'), {
      labels: LABELS, transitions: Array.from(result.Tavg, (v) => Number(v.toFixed(3))), weights,
    });
    writeJsonAtomic(path.join(opt.outputDir, 'metrics.json'), {
      params: opt.raw, history, final: history.at(-1) ?? null, features: result.features,
      train_sentences: result.trainSentences, dev_sentences: result.devSentences, seconds: (Date.now() - started) / 1000,
    });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`train.mjs: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`train.mjs: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
