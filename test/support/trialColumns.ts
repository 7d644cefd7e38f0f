// Rows back from the two column replies (sweeps.trialColumns + sweeps.intermediateColumns), for
// round-trip checks against sweeps.trials. The app never joins them: one chart reads the
// intermediate values on its own.
import type { IntermediateColumns, TrialColumns, TrialRow, TrialScalars } from '../../shared/contract.ts';
import { fromTrialColumns, intermediateAt } from '../../shared/trialColumns.ts';

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
