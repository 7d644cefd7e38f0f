// A search-space difference in words, one line per param, the same in the CLI and the app.
import type { ParamDiff, SpaceDiff } from './spaceDiff.ts';
import type { Distribution } from './types.ts';

/** Exponent form for very small or very large numbers, as "1e-5" (no "+", no padding). */
function numText(x: number, exp: boolean): string {
  return exp ? x.toExponential().replace('e+', 'e') : String(x);
}
const wantsExp = (x: number): boolean => x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6);

/** "1e-5..1e-2": both ends in the same form, exponent when either needs it. */
export function rangeText(low: number, high: number): string {
  const exp = wantsExp(low) || wantsExp(high);
  return `${numText(low, exp)}..${numText(high, exp)}`;
}

const choicesText = (cs: readonly unknown[]): string => `[${cs.map((c) => JSON.stringify(c)).join(', ')}]`;

/** The kind as Optuna names it, with the config types that make it. */
export function kindText(kind: Distribution['kind']): string {
  switch (kind) {
    case 'float':
      return 'float (uniform / loguniform)';
    case 'int':
      return 'int';
    case 'categorical':
      return 'categorical (choice)';
  }
}

/** "float 1e-5..1e-2, log", "int 2..10, step 2", "choices [8, 16]". */
export function distributionText(d: Distribution): string {
  if (d.kind === 'categorical') return `choices ${choicesText(d.choices)}`;
  const parts = [`${d.kind} ${rangeText(d.low, d.high)}`];
  if (d.step !== null && !(d.kind === 'int' && d.step === 1)) parts.push(`step ${d.step}`);
  if (d.log) parts.push('log');
  return parts.join(', ');
}

const NEW_STUDY = 'set a new study_name in the config to start a new study with this space';

export function paramDiffText(p: ParamDiff): string {
  switch (p.change) {
    case 'added':
      return `${p.param}: added (${distributionText(p.config)}) — earlier trials have no value for it; new trials sample it`;
    case 'removed':
      return `${p.param}: removed — trials keep their values; new trials won't sample it`;
    case 'changed': {
      const parts: string[] = [];
      const s = p.study;
      const c = p.config;
      if (s.kind !== 'categorical' && c.kind !== 'categorical') {
        if (s.low !== c.low || s.high !== c.high) parts.push(`range ${rangeText(s.low, s.high)} → ${rangeText(c.low, c.high)}`);
        if (s.step !== c.step) parts.push(`step ${s.step ?? 'none'} → ${c.step ?? 'none'}`);
      }
      const held = p.held > 1 ? ` (the study already holds ${p.held} distributions for it)` : '';
      return `${p.param}: ${parts.join(', ')}${held}`;
    }
    case 'incompatible':
      return `${p.param}: ${refusalText(p)}`;
  }
}

/** Why Optuna refuses the change, and what to do instead. */
function refusalText(p: Extract<ParamDiff, { change: 'incompatible' }>): string {
  const s = p.study;
  const c = p.config;
  switch (p.reason) {
    case 'kind':
      return `the study holds it as ${kindText(s.kind)}, the config makes it ${kindText(c.kind)} — Optuna cannot change a param's kind within a study; keep it ${s.kind} in search_space, or ${NEW_STUDY}`;
    case 'log':
      return `the study holds it ${logWord(s)}, the config makes it ${logWord(c)} — Optuna cannot change a param's log scale within a study; keep it ${logWord(s)}, or ${NEW_STUDY}`;
    case 'choices':
      return `choices ${choicesText(s.kind === 'categorical' ? s.choices : [])} → ${choicesText(c.kind === 'categorical' ? c.choices : [])} — Optuna cannot change a categorical param's choices within a study; keep the study's choices, or ${NEW_STUDY}`;
  }
}

const logWord = (d: Distribution): string => (d.kind !== 'categorical' && d.log ? 'on a log scale' : 'on a linear scale');

/** Every line of the difference, config order first, then removed params. */
export function spaceDiffLines(diff: SpaceDiff): string[] {
  return diff.params.map(paramDiffText);
}
