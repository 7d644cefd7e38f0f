// Rows back from the two column replies (sweeps.trialColumns + sweeps.intermediateColumns), for
// round-trip checks against sweeps.trials. The app never joins them: one chart reads the
// intermediate values on its own.
import fc from 'fast-check';
import type { IntermediateColumns, TrialColumns, TrialRow, TrialScalars } from '../../shared/contract.ts';
import { fromTrialColumns, intermediateAt, TRIAL_STATES } from '../../shared/trialColumns.ts';

/** A row as a plain object with its own fields (the app's rows read theirs from the columns). */
export function plainTrial(t: TrialScalars): TrialScalars {
  return { trialId: t.trialId, number: t.number, state: t.state, params: { ...t.params }, value: t.value, startedAt: t.startedAt, completedAt: t.completedAt, durationMs: t.durationMs, childRunId: t.childRunId, reason: t.reason };
}

export function rowsFromColumns(c: TrialColumns, inter: IntermediateColumns): TrialRow[] {
  const rows = fromTrialColumns(c);
  if (inter.number.length !== rows.length) throw new Error(`${inter.number.length} trials of intermediate values for ${rows.length} rows`);
  return rows.map((r, i) => {
    if (inter.number[i] !== r.number) throw new Error(`row ${i}: intermediate values of trial ${inter.number[i]} beside trial ${r.number}`);
    return { ...plainTrial(r), intermediate: intermediateAt(inter, i) };
  });
}

/** Trial rows of every shape the columns carry: values and params any double or one of `edgeNumbers`;
 * a few fixed param names, each present or not per trial, so columns have absent rows. `finiteTimes`:
 * start, end and duration never NaN or ±Infinity (else the start and end may be ±Infinity and the
 * duration anything). */
export function trialRowArb(edgeNumbers: readonly number[], finiteTimes: boolean): fc.Arbitrary<TrialRow> {
  const num = fc.oneof(fc.double(), fc.constantFrom(...edgeNumbers));
  const paramValue = fc.oneof(num, fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null));
  const time = fc.double(finiteTimes ? { noNaN: true, noDefaultInfinity: true } : { noNaN: true });
  return fc.record({
    trialId: fc.nat(),
    number: fc.nat(),
    state: fc.constantFrom(...TRIAL_STATES),
    params: fc.dictionary(fc.constantFrom('lr', 'batch', 'opt', 'x y'), paramValue, { maxKeys: 4 }),
    value: fc.option(num, { nil: null }),
    intermediate: fc.array(fc.tuple(num, num), { maxLength: 4 }),
    startedAt: fc.option(time, { nil: null }),
    completedAt: fc.option(time, { nil: null }),
    durationMs: fc.option(finiteTimes ? time : fc.double(), { nil: null }),
    childRunId: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
    reason: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  });
}
