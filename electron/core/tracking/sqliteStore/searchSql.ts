// Compiles a parsed run search (searchFilter.ts) to one SQLite query over MLflow's own tables.
// Filters on metrics, params and tags become `run_uuid IN (subquery)` over latest_metrics /
// params / tags, runs are then fetched by primary key, and order-by values come from left joins on
// the (key, run_uuid) primary keys, so a page never loads more than the runs it returns; ordering
// follows MLflow's SQL store (present values, then NaN metrics, then missing ones; then start_time
// descending, then run id). No index is added: fresh databases must match MLflow's schema exactly.
import type { Comparison, OrderByClause } from '../searchFilter.ts';
import type { ViewType } from '../types.ts';

export interface RunSearchSql {
  sql: string;
  params: (string | number)[];
}

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  user_id: 'r.user_id',
  status: 'r.status',
  artifact_uri: 'r.artifact_uri',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
  experiment_id: 'r.experiment_id',
};

function attributeColumn(key: string): string {
  const col = ATTRIBUTE_COLUMNS[key];
  if (!col) throw new Error(`internal: no column for attribute '${key}'`);
  return col;
}

/** `column <comparator> ?` with MLflow's semantics: LIKE is case-sensitive (the connection runs
 * PRAGMA case_sensitive_like = ON, as MLflow's sessions do), ILIKE is not. */
function condition(column: string, c: Comparison, params: (string | number)[]): string {
  switch (c.comparator) {
    case 'LIKE':
      params.push(c.value as string);
      return `${column} LIKE ?`;
    case 'ILIKE':
      params.push(c.value as string);
      return `lower(${column}) LIKE lower(?)`;
    case 'IN':
    case 'NOT IN': {
      const list = c.value as string[];
      params.push(...list);
      return `${column} ${c.comparator} (${list.map(() => '?').join(', ')})`;
    }
    default:
      params.push(c.value as string | number);
      return `${column} ${c.comparator} ?`;
  }
}

export function compileRunSearch(q: {
  experimentIds: readonly number[];
  comparisons: readonly Comparison[];
  orderBy: readonly OrderByClause[];
  view: ViewType;
  limit: number;
  offset: number;
  /** True when most runs have this key, so a table scan beats the (key, run_uuid) index. */
  isCommonKey: (table: 'latest_metrics' | 'params' | 'tags', key: string) => boolean;
  /** The runs whose param/tag `key` equals `value` when the caller knows them cheaply, else null. */
  runsWithValue?: (table: 'params' | 'tags', key: string, value: string) => string[] | null;
}): RunSearchSql {
  const joinParams: (string | number)[] = [];
  const whereParams: (string | number)[] = [];
  const joins: string[] = [];
  const where: string[] = [];

  // One JSON parameter however many ids: a `?` per id would exceed SQLite's variable limit
  // (32,766) on a long list, and MLflow sets no limit on experiment_ids.
  where.push('r.experiment_id IN (SELECT value FROM json_each(?))');
  whereParams.push(JSON.stringify([...new Set(q.experimentIds)]));
  if (q.view === 'ACTIVE_ONLY') where.push("r.lifecycle_stage = 'active'");
  else if (q.view === 'DELETED_ONLY') where.push("r.lifecycle_stage = 'deleted'");

  q.comparisons.forEach((c) => {
    if (c.type === 'attribute' && c.key !== 'run_name') {
      where.push(condition(attributeColumn(c.key), c, whereParams));
      return;
    }
    // metrics, params, tags and attributes.run_name (searched through the mlflow.runName tag, as
    // MLflow does: the name column is empty for runs logged by MLflow <= 1.29).
    const table = c.type === 'metric' ? 'latest_metrics' : c.type === 'parameter' ? 'params' : 'tags';
    const key = c.type === 'attribute' ? 'mlflow.runName' : c.key;
    if (c.comparator === '=' && table !== 'latest_metrics' && q.runsWithValue) {
      const ids = q.runsWithValue(table, key, c.value as string);
      if (ids !== null) {
        if (ids.length === 0) where.push('0');
        else {
          where.push(`r.run_uuid IN (${ids.map(() => '?').join(', ')})`);
          whereParams.push(...ids);
        }
        return;
      }
    }
    let cond: string;
    if (c.type === 'metric') {
      // NaN is stored as value 0 with is_nan = 1; it never satisfies an ordering or equality test.
      cond = c.comparator === '!=' ? '(is_nan = 1 OR value != ?)' : `is_nan = 0 AND value ${c.comparator} ?`;
      whereParams.push(key, c.value as number);
    } else {
      whereParams.push(key);
      cond = condition('value', c, whereParams);
    }
    // A key most runs carry (mlflow.parentRunId, a sweep's params) is found faster by one
    // sequential pass over the table than by a (key) index walk with a row lookup per entry; a rare
    // key is the other way round. The caller tells which (see SqliteTrackingStore.isCommonKey).
    const hint = q.isCommonKey(table, key) ? ' NOT INDEXED' : '';
    where.push(`r.run_uuid IN (SELECT run_uuid FROM ${table}${hint} WHERE "key" = ? AND ${cond})`);
  });

  const order: string[] = [];
  q.orderBy.forEach((o, i) => {
    const dir = o.ascending ? '' : ' DESC';
    if (o.type === 'attribute') {
      const col = attributeColumn(o.key);
      order.push(`CASE WHEN ${col} IS NULL THEN 1 ELSE 0 END`, `${col}${dir}`);
      return;
    }
    const a = `o${i}`;
    const table = o.type === 'metric' ? 'latest_metrics' : o.type === 'parameter' ? 'params' : 'tags';
    joins.push(`LEFT JOIN ${table} ${a} ON ${a}.run_uuid = r.run_uuid AND ${a}."key" = ?`);
    joinParams.push(o.key);
    if (o.type === 'metric') order.push(`CASE WHEN ${a}.is_nan = 1 THEN 1 WHEN ${a}.value IS NULL THEN 2 ELSE 0 END`);
    else order.push(`CASE WHEN ${a}.value IS NULL THEN 1 ELSE 0 END`);
    order.push(`${a}.value${dir}`);
  });
  if (!q.orderBy.some((o) => o.type === 'attribute' && o.key === 'start_time')) order.push('r.start_time DESC');
  order.push('r.run_uuid');

  const sql = [
    'SELECT r.* FROM runs r',
    ...joins,
    `WHERE ${where.join(' AND ')}`,
    `ORDER BY ${order.join(', ')}`,
    'LIMIT ? OFFSET ?',
  ].join('\n');
  return { sql, params: [...joinParams, ...whereParams, q.limit, q.offset] };
}
