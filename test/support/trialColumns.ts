// Rows back from the two column replies (sweeps.trialColumns + sweeps.intermediateColumns), for
// round-trip checks against sweeps.trials. The app never joins them: one chart reads the
// intermediate values on its own.
import type { IntermediateColumns, TrialColumns, TrialRow } from '../../shared/contract.ts';
import { fromTrialColumns, intermediateAt } from '../../shared/trialColumns.ts';

export function rowsFromColumns(c: TrialColumns, inter: IntermediateColumns): TrialRow[] {
  const rows = fromTrialColumns(c);
  if (inter.number.length !== rows.length) throw new Error(`${inter.number.length} trials of intermediate values for ${rows.length} rows`);
  return rows.map((r, i) => {
    if (inter.number[i] !== r.number) throw new Error(`row ${i}: intermediate values of trial ${inter.number[i]} beside trial ${r.number}`);
    // The same key order as the service's rows, so toEqual also compares what JSON would show.
    const { trialId, number, state, params, value, ...rest } = r;
    return { trialId, number, state, params, value, intermediate: intermediateAt(inter, i), ...rest };
  });
}
