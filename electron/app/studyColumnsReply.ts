// The sweep detail's column replies (sweeps.trialColumns, sweeps.intermediateColumns) made from the
// columns a SQLite study is read in (studyColumnsSql.ts): the same fields toTrialRow gives a trial
// (the child run from its user attr, why it failed or was pruned), plus its user attributes for the
// table's filters, without a row object per trial.
import type { IntermediateColumns, TrialColumns } from '../../shared/contract.ts';
import { TRIAL_STATES } from '../../shared/trialColumns.ts';
import type { IntermediateColumnsRead, StudyColumns } from '../core/studies/studyColumnsSql.ts';
import { TRIAL_ATTR_RUN } from '../core/tracking/sweepTracking.ts';

/** System attrs a reply needs (reasons); read for no other key. */
export const REPLY_SYSTEM_KEYS: readonly string[] = ['fail_reason', 'prune_reason'];

const STATE_CODE: ReadonlyMap<string, number> = new Map(TRIAL_STATES.map((s, i) => [s, i]));

type AttrCell = string | number | boolean | null;

/** A user attr's value as a table cell: scalars as they are, anything else as its JSON text. */
function cell(v: unknown): AttrCell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** Same order as toTrialRow's reasonOf: the first non-empty string of these attrs. */
function reasons(c: StudyColumns, n: number): (string | null)[] {
  const sources = [c.systemAttrs.get('fail_reason'), c.userAttrs.get('fail_reason'), c.userAttrs.get('prune_reason'), c.systemAttrs.get('prune_reason')].filter(
    (x): x is unknown[] => x !== undefined,
  );
  const out = new Array<string | null>(n).fill(null);
  if (sources.length === 0) return out;
  for (let i = 0; i < n; i++) {
    for (const s of sources) {
      const v = s[i];
      if (typeof v === 'string' && v !== '') {
        out[i] = v;
        break;
      }
    }
  }
  return out;
}

export function trialColumnsReply(c: StudyColumns, total: number, direction: TrialColumns['direction']): TrialColumns {
  const n = c.number.length;
  const state = c.state.map((s) => {
    const code = STATE_CODE.get(s);
    if (code === undefined) throw new Error(`trial state '${s}' is not one of ${TRIAL_STATES.join(', ')}`);
    return code;
  });
  const durationMs = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const a = c.startedAt[i]!;
    const b = c.completedAt[i]!;
    durationMs[i] = a !== null && b !== null ? b - a : null;
  }
  const runs = c.userAttrs.get(TRIAL_ATTR_RUN);
  const childRunId = runs ? runs.map((v) => (typeof v === 'string' ? v : null)) : new Array<string | null>(n).fill(null);
  const params = c.params.map((p) => {
    const absent: number[] = [];
    for (let i = 0; i < n; i++) if (!p.present[i]) absent.push(i);
    return { name: p.name, values: p.values, absent };
  });
  const userAttrs = [...c.userAttrs].map(([key, values]) => ({ key, values: values.map(cell), absent: values.flatMap((v, i) => (v === undefined ? [i] : [])) }));
  return { total, direction, trialId: c.trialId, number: c.number, state, value: c.value, startedAt: c.startedAt, completedAt: c.completedAt, durationMs, childRunId, reason: reasons(c, n), params, userAttrs };
}

export function intermediateColumnsReply(c: IntermediateColumnsRead): IntermediateColumns {
  return { number: c.number, start: c.start, step: c.step, value: c.value };
}
