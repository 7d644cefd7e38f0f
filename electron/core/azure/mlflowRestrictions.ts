// What Azure ML's MLflow endpoint refuses (Azure ML "MLflow support matrix"; mlflow #10694), and
// how a query is split so the refused parts never reach Azure: filters are AND only, with no
// LIKE/ILIKE, no `!=` on tags, nothing on attributes.status; no ordering by metric; metric
// history pages under 1,000 points. The part Azure accepts is sent; the rest is applied locally
// (by the mirror, which evaluates the full grammar in memory).
import {
  parseExperimentFilter,
  parseRunFilter,
  parseRunOrderBy,
  type Comparison,
  type ExperimentComparison,
  type OrderByClause,
} from '../tracking/searchFilter.ts';
import { MlflowError } from '../tracking/types.ts';

/** Azure rejects max_results of 1,000 or more on metrics/get-history. */
export const AZURE_HISTORY_PAGE_MAX = 999;

export interface SplitRunQuery {
  /** AND of the comparisons Azure accepts, or undefined for none. */
  remoteFilter: string | undefined;
  /** Order Azure may apply; empty when any clause must be ordered locally. */
  remoteOrderBy: string[];
  /** Comparisons Azure would refuse: evaluate them locally. */
  localComparisons: Comparison[];
  /** True when the order must be applied locally (a metric in order_by). */
  localOrder: boolean;
  orderBy: OrderByClause[];
}

const ENTITY_PREFIX: Record<Comparison['type'], string> = { metric: 'metrics', parameter: 'params', tag: 'tags', attribute: 'attributes' };

/** Why Azure would refuse one comparison, or undefined when it accepts it. */
export function azureRefusesComparison(c: { type: string; key: string; comparator: string }): string | undefined {
  if (c.comparator === 'LIKE' || c.comparator === 'ILIKE') return `${c.comparator} is not supported by Azure ML's MLflow endpoint`;
  if (c.comparator === 'IN' || c.comparator === 'NOT IN') return `${c.comparator} lists are not in Azure ML's supported filter set`;
  if (c.type === 'tag' && c.comparator === '!=') return "'!=' on tags is not supported by Azure ML's MLflow endpoint";
  if (c.type === 'attribute' && c.key === 'status') return "filtering on attributes.status is not supported by Azure ML's MLflow endpoint";
  return undefined;
}

function quoteString(v: string): string | undefined {
  if (!v.includes("'")) return `'${v}'`;
  if (!v.includes('"')) return `"${v}"`;
  return undefined;
}

/** One comparison back in MLflow's filter syntax (keys in backticks, so any key survives). */
function comparisonText(c: Comparison): string | undefined {
  if (c.key.includes('`')) return undefined;
  const value = typeof c.value === 'number' ? String(c.value) : typeof c.value === 'string' ? quoteString(c.value) : undefined;
  if (value === undefined) return undefined;
  return `${ENTITY_PREFIX[c.type]}.\`${c.key}\` ${c.comparator} ${value}`;
}

/** Splits a search-runs query into what Azure accepts and what is applied locally. Invalid
 * filters throw MlflowError here, before anything is sent. */
export function splitRunQueryForAzure(filter: string | undefined, orderBy: readonly string[] | undefined): SplitRunQuery {
  const comparisons = parseRunFilter(filter);
  const clauses = parseRunOrderBy(orderBy);
  const remote: string[] = [];
  const localComparisons: Comparison[] = [];
  for (const c of comparisons) {
    const text = azureRefusesComparison(c) === undefined ? comparisonText(c) : undefined;
    if (text === undefined) localComparisons.push(c);
    else remote.push(text);
  }
  const localOrder = clauses.some((c) => c.type === 'metric');
  const remoteOrderBy = localOrder
    ? []
    : clauses.map((c) => `${ENTITY_PREFIX[c.type]}.\`${c.key}\` ${c.ascending ? 'ASC' : 'DESC'}`);
  return { remoteFilter: remote.length ? remote.join(' AND ') : undefined, remoteOrderBy, localComparisons, localOrder, orderBy: clauses };
}

/** The reason Azure would refuse this search-runs request, or undefined when it is acceptable. */
export function azureRefusesRunSearch(filter: string | undefined, orderBy: readonly string[] | undefined): string | undefined {
  let comparisons: Comparison[];
  let clauses: OrderByClause[];
  try {
    comparisons = parseRunFilter(filter);
    clauses = parseRunOrderBy(orderBy);
  } catch (err) {
    return `the filter or order_by is not valid MLflow search syntax: ${(err as Error).message}`;
  }
  for (const c of comparisons) {
    const why = azureRefusesComparison(c);
    if (why) return `${why} (in filter '${filter ?? ''}')`;
  }
  if (clauses.some((c) => c.type === 'metric')) return `ordering by a metric is not supported by Azure ML's MLflow endpoint (order_by ${JSON.stringify(orderBy)})`;
  return undefined;
}

export function azureRefusesExperimentSearch(filter: string | undefined): string | undefined {
  let comparisons: ExperimentComparison[];
  try {
    comparisons = parseExperimentFilter(filter);
  } catch (err) {
    return `the experiment filter is not valid MLflow search syntax: ${(err as Error).message}`;
  }
  for (const c of comparisons) {
    const why = azureRefusesComparison(c);
    if (why) return `${why} (in experiment filter '${filter ?? ''}')`;
  }
  return undefined;
}

/** Throws (before sending) when a request would break one of Azure's documented limits. The
 * callers split queries first, so this firing means a bug in the caller: it names the request. */
export function assertAzureAcceptable(endpoint: string, params: Record<string, unknown>): void {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : undefined);
  let why: string | undefined;
  if (endpoint === 'runs/search') why = azureRefusesRunSearch(str(params.filter), list(params.order_by));
  else if (endpoint === 'experiments/search') why = azureRefusesExperimentSearch(str(params.filter));
  else if (endpoint === 'metrics/get-history') {
    const max = Number(params.max_results ?? NaN);
    if (!Number.isFinite(max) || max > AZURE_HISTORY_PAGE_MAX) why = `metric history max_results must be below 1000 on Azure (got ${String(params.max_results)})`;
  }
  if (why) throw new MlflowError('INVALID_PARAMETER_VALUE', `not sent to Azure ML (${endpoint}): ${why}`);
}
