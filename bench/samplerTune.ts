// Design choices for our default TPE, measured on seed blocks DISJOINT from the reported seeds
// 0..N-1 of bench/samplerQuality.ts (block b is seeds b*1000 .. b*1000+N-1), so the reported
// comparison is not fitted to its own seeds. Prints the median best value per function and variant,
// and Optuna's medians on the same blocks when given its output (bench/optuna_tpe_quality.py).
// In brackets: how often a run of the variant beats a run of the Optuna-3.1-identical independent TPE.
// Run: npx tsx bench/samplerTune.ts [--blocks 1,2] [--seeds 30] [--optuna FILE.json] [--only a,b]
import { readFileSync } from 'node:fs';
import { defaultGamma, TpeSampler, type TpeOptions } from '../electron/core/search/samplers/tpe.ts';
import { bestOf, FUNCTIONS, median } from './qualityFunctions.ts';

// Each variant is the default TPE with one choice changed (or Optuna 3.1's own settings).
const VARIANTS: Record<string, TpeOptions> = {
  'default (multivariate)': {},
  'independent (= Optuna 3.1)': { multivariate: false },
  'Optuna 3.1 multivariate=True settings': { bandwidthRule: 'scott', bandwidthFactor: 0.2, independentWeight: 0, gamma: defaultGamma },
  'joint ratio only (no independent term)': { independentWeight: 0 },
  'independent term weight 0.75': { independentWeight: 0.75 },
  'gamma 10% (Optuna)': { gamma: defaultGamma },
  'bandwidth from range (0.2 range n^-1/(D+4))': { bandwidthRule: 'scott', bandwidthFactor: 0.2 },
  'bandwidth factor 1.3': { bandwidthFactor: 1.3 },
  '48 EI candidates': { nEiCandidates: 48 },
};

/** Extra variants from the command line: --extra '{"name": {TpeOptions without gamma}, ...}'. */
function extraVariants(): Record<string, TpeOptions> {
  const i = process.argv.indexOf('--extra');
  if (i < 0) return {};
  // "gammaLinear": a gives gamma(n) = min(ceil(a n), 25); "gammaCap": c changes the 25.
  const raw = JSON.parse(process.argv[i + 1] ?? '{}') as Record<string, TpeOptions & { gammaLinear?: number; gammaCap?: number }>;
  return Object.fromEntries(Object.entries(raw).map(([k, { gammaLinear, gammaCap, ...v }]) => {
    const a = gammaLinear ?? 0.1;
    const cap = gammaCap ?? 25;
    return [k, gammaLinear === undefined && gammaCap === undefined ? v : { ...v, gamma: (n: number) => Math.min(Math.ceil(a * n), cap) }];
  }));
}

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const blocks = (opt('--blocks') ?? '1,2').split(',').map(Number);
const nSeeds = Number(opt('--seeds') ?? 30);
const only = opt('--only')?.split(',');
const optuna = opt('--optuna');
const fns = opt('--fns')?.split(',');
const seeds = blocks.flatMap((b) => Array.from({ length: nSeeds }, (_, i) => b * 1000 + i));
if (seeds.some((s) => s < 1000)) throw new Error('tuning blocks must be >= 1 (block 0 holds the reported seeds)');

if (optuna) {
  const py = JSON.parse(readFileSync(optuna, 'utf8')) as { best: Record<string, number[]> };
  console.log(`optuna (${Object.values(py.best)[0]?.length} seeds): ${FUNCTIONS.map((f) => `${f.name}=${median(py.best[f.name] ?? []).toPrecision(4)}`).join('  ')}`);
}
/** P(a value from a < one from b), ties half. */
function winRate(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (const x of a) for (const y of b) s += x < y ? 1 : x === y ? 0.5 : 0;
  return s / (a.length * b.length);
}

// The Optuna-3.1-identical variant on the same seeds: the yardstick for the win rate.
const baseline = new Map(FUNCTIONS.map((f) => [f.name, seeds.map((s) => bestOf(new TpeSampler({ multivariate: false, seed: s }), f, 100))]));
for (const [name, v] of Object.entries({ ...VARIANTS, ...extraVariants() })) {
  if (only && !only.includes(name)) continue;
  const t0 = performance.now();
  const cells = FUNCTIONS.filter((f) => !fns || fns.includes(f.name)).map((f) => {
    const best = seeds.map((s) => bestOf(new TpeSampler({ ...v, seed: s }), f, 100));
    return `${f.name}=${median(best).toPrecision(4)} (${(100 * winRate(best, baseline.get(f.name) ?? [])).toFixed(0)}%)`;
  });
  console.log(`${name.padEnd(12)} ${cells.join('  ')}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
