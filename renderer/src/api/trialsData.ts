// A sweep's trials for the detail screen: fetched column by column (sweeps.trialColumns, without
// their intermediate values, which one later chart asks for apart) and turned back into rows here.
// No React: the page's first script uses it to ask for the trials before React has loaded.
import type { Client } from '../../../shared/client.ts';
import type { TrialColumns, TrialScalars } from '../../../shared/contract.ts';
import { fromTrialColumns } from '../../../shared/trialColumns.ts';
import { markOnce } from '../lib/perf.ts';

export interface TrialsData {
  total: number;
  direction: TrialColumns['direction'];
  trials: TrialScalars[];
}

export async function fetchTrials(client: Client, id: string): Promise<TrialsData> {
  const c = await client.get('sweeps.trialColumns', { id });
  const trials = fromTrialColumns(c);
  // For the render bench: the rows have arrived and been decoded, before any drawing.
  markOnce('trials-data');
  return { total: c.total, direction: c.direction, trials };
}
