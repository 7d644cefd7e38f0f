// Experiments: stores -> experiments -> runs. Parent runs expand to their children; MLflow filter
// search; sort by any column; choose columns; compare selected runs.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useMemo, useRef, useState } from 'react';
import type { ChannelOutput, Run, StoreInfo } from '../../../shared/contract.ts';
import { keys, useChannel, useStores } from '../api/queries.ts';
import { RUN_TABLE_PAGE, useBestOf, useRunTableChart, useRunTablePages, type RunTableView, type ShownRevision } from '../api/runViews.ts';
import { RunsMetricChart, useChartMetric } from '../components/charts/RunsMetricChart.tsx';
import { AzureMirrorBar, MirroredNotice } from '../components/AzureMirrorBar.tsx';
import { MetricHistoryChart } from '../components/MetricHistoryChart.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/Notice.tsx';
import { fmtDuration, fmtTime, fmtValue } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { bestKey, cellValue, colId, keysOf, metric, param, runName, tagFilter, type BestOf, type Column } from '../lib/runs.ts';

function StoreNode({ store, open, selected }: { store: StoreInfo; open: boolean; selected: { storeId: string | null; experimentId: string | null } }) {
  const [expanded, setExpanded] = useState(open);
  const exps = useChannel(keys.experiments(store.id), 'experiments.list', { storeId: store.id }, { enabled: expanded });
  return (
    <li className="tree-node">
      <button type="button" className="tree-toggle" aria-expanded={expanded} onClick={() => setExpanded((x) => !x)}>
        <span aria-hidden="true">{expanded ? '▾' : '▸'}</span> {store.label}
        <span className="muted small"> {store.kind}</span>
      </button>
      {expanded && store.kind === 'azure' ? <AzureMirrorBar storeId={store.id} /> : null}
      {expanded ? (
        <ul className="tree-children">
          {exps.data?.offline ? <li className="muted small">Offline: the mirror as of {fmtTime(exps.data.asOf ?? null)}</li> : null}
          {exps.isPending ? <li className="muted small">Loading…</li> : null}
          {exps.isError ? (
            <li>
              <ErrorBox error={exps.error} title={`${store.label} could not be read`} onRetry={() => void exps.refetch()} />
            </li>
          ) : null}
          {exps.data?.experiments.length === 0 ? <li className="muted small">No experiments yet: a tracked sweep creates one.</li> : null}
          {exps.data?.experiments.map((e) => {
            const cur = selected.storeId === store.id && selected.experimentId === e.experiment_id;
            return (
              <li key={e.experiment_id}>
                <a className={`tree-leaf${cur ? ' current' : ''}`} aria-current={cur ? 'page' : undefined} href={href({ name: 'experiments', storeId: store.id, experimentId: e.experiment_id })}>
                  {e.name}
                </a>
              </li>
            );
          })}
        </ul>
      ) : null}
    </li>
  );
}

const ATTR_COLS: Column[] = [
  { kind: 'attr', key: 'name' },
  { kind: 'attr', key: 'status' },
  { kind: 'attr', key: 'start' },
  { kind: 'attr', key: 'duration' },
];
const colLabel = (c: Column) =>
  c.kind === 'attr' ? { name: 'Name', status: 'Status', start: 'Started', duration: 'Duration' }[c.key] : c.kind === 'best' ? `${c.key} (${c.of})` : c.kind === 'tags' ? `tag ${c.key}` : c.key;

function renderCell(r: Run, c: Column, storeId: string, best: BestOf | undefined, onTag: (filter: string) => void) {
  const v = cellValue(r, c, best);
  if (c.kind === 'tags' && typeof v === 'string') {
    const f = tagFilter(c.key, v);
    return (
      <button type="button" className="tag-filter" title={`Filter: ${f}`} aria-label={`Show runs with ${c.key} = ${v}`} onClick={() => onTag(f)}>
        {v}
      </button>
    );
  }
  if (c.kind === 'attr' && c.key === 'name') return <a href={href({ name: 'run', storeId, runId: r.info.run_id })}>{runName(r)}</a>;
  if (c.kind === 'attr' && c.key === 'start') return fmtTime(v as number);
  if (c.kind === 'attr' && c.key === 'duration') return fmtDuration(v as number | undefined);
  if (c.kind === 'attr' && c.key === 'status') return <span className={`rstatus rstatus-${String(v).toLowerCase()}`}>{String(v).toLowerCase()}</span>;
  if (typeof v === 'number') return fmtValue(v);
  return v ?? '—';
}

function CompareView({ storeId, runs }: { storeId: string; runs: Run[] }) {
  const [all, setAll] = useState(false);
  const params = keysOf(runs, 'params');
  const metrics = keysOf(runs, 'metrics');
  const [picked, setPicked] = useState<ReadonlySet<string>>(() => new Set(metrics.slice(0, 4)));
  const runIds = useMemo(() => runs.map((r) => r.info.run_id), [runs]);
  const { best } = useBestOf(storeId, runIds, metrics.length > 0);
  const rows = params
    .map((p) => ({ p, vals: runs.map((r) => param(r, p)) }))
    .filter(({ vals }) => all || new Set(vals.map((v) => v ?? '∅')).size > 1);
  const chartRuns = useMemo(() => runs.map((r) => ({ id: r.info.run_id, name: runName(r) })), [runs]);
  return (
    <section className="card compare" aria-label="Compare runs">
      <h2 className="card-h">Compare {runs.length} runs</h2>
      <label className="check">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Show equal params too
      </label>
      <div className="table-wrap">
        <table className="grid">
          <caption className="sr-only">Parameter differences</caption>
          <thead>
            <tr>
              <th scope="col">Param</th>
              {runs.map((r) => (
                <th scope="col" key={r.info.run_id}>
                  {runName(r)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={runs.length + 1} className="muted">
                  Every param is equal.
                </td>
              </tr>
            ) : null}
            {rows.map(({ p, vals }) => (
              <tr key={p}>
                <th scope="row">{p}</th>
                {vals.map((v, i) => (
                  <td key={i} className={new Set(vals).size > 1 ? 'diff' : undefined}>
                    {v ?? '—'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {metrics.length ? (
        <>
          <div className="table-wrap">
            <table className="grid" aria-label="Metric differences">
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  {runs.map((r) => (
                    <th scope="col" key={r.info.run_id} className="num">
                      {runName(r)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {metrics.map((m) => {
                  const latest = runs.map((r) => metric(r, m));
                  return (
                    <tr key={m}>
                      <th scope="row">{m}</th>
                      {runs.map((r, i) => {
                        const b = best?.get(bestKey(r.info.run_id, m));
                        return (
                          <td key={r.info.run_id} className={`num${new Set(latest.map(String)).size > 1 ? ' diff' : ''}`}>
                            {fmtValue(latest[i])}
                            {b ? <span className="muted small"> ({fmtValue(b.min)} – {fmtValue(b.max)})</span> : null}
                          </td>
                        );
                      })}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <p className="muted small">Latest value, with the min – max over the whole history when the store has it.</p>
          </div>
          <fieldset className="metric-picks">
            <legend>Metrics to chart</legend>
            {metrics.map((m) => (
              <label key={m} className="check">
                <input
                  type="checkbox"
                  checked={picked.has(m)}
                  onChange={() =>
                    setPicked((s) => {
                      const n = new Set(s);
                      if (n.has(m)) n.delete(m);
                      else n.add(m);
                      return n;
                    })
                  }
                />{' '}
                {m}
              </label>
            ))}
          </fieldset>
          <div className="compare-charts">
            {metrics
              .filter((m) => picked.has(m))
              .map((m) => (
                <div key={m}>
                  <h3>{m}</h3>
                  <MetricHistoryChart storeId={storeId} runs={chartRuns} metricKey={m} />
                </div>
              ))}
          </div>
        </>
      ) : (
        <p className="muted">These runs logged no metrics.</p>
      )}
    </section>
  );
}

type TableRow = ChannelOutput<'runs.table'>['rows'][number];

/** One row of the runs table; drawn again only when its run, the columns or its state change. */
const RunRow = memo(function RunRow({
  item,
  columns,
  storeId,
  best,
  picked,
  open,
  onSelect,
  onToggle,
  onTag,
}: {
  item: TableRow;
  columns: readonly Column[];
  storeId: string;
  best: BestOf | undefined;
  picked: boolean;
  open: boolean;
  onSelect: (r: Run) => void;
  onToggle: (runId: string) => void;
  onTag: (filter: string) => void;
}) {
  const r = item.run;
  const name = runName(r);
  return (
    <tr className={item.depth ? 'child-row' : undefined}>
      <td className="sel">
        <input type="checkbox" aria-label={`Select ${name}`} checked={picked} onChange={() => onSelect(r)} />
      </td>
      {columns.map((c, i) => (
        <td key={colId(c)} className={c.kind !== 'attr' ? 'num' : undefined}>
          {i === 0 ? (
            <span className={`name-cell depth-${Math.min(item.depth, 4)}`}>
              {item.children > 0 ? (
                <button type="button" className="tree-toggle small" aria-expanded={open} aria-label={`${open ? 'Hide' : 'Show'} ${item.children} child runs of ${name}`} onClick={() => onToggle(r.info.run_id)}>
                  {open ? '▾' : '▸'} {item.children}
                </button>
              ) : null}
              {renderCell(r, c, storeId, best, onTag)}
            </span>
          ) : (
            renderCell(r, c, storeId, best, onTag)
          )}
        </td>
      ))}
    </tr>
  );
});

/** Rows drawn beyond the visible ones, and the table size from which rows are drawn only when seen. */
const OVERSCAN = 6;
const VIRTUAL_FROM = 300;
const ROW_HEIGHT = 35;

function RunsPanel({ storeId, experimentId }: { storeId: string; experimentId: string }) {
  const [draft, setDraft] = useState('');
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ id: string; dir: 1 | -1 }>({ id: 'attr.start', dir: -1 });
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  // The runs ticked for Compare, kept as the rows showed them (the table holds only a page).
  const [selected, setSelected] = useState<Map<string, Run>>(new Map());
  const [comparing, setComparing] = useState(false);
  const view = useMemo<RunTableView>(
    () => ({ storeId, experimentId, filter, sort: { column: sort.id, descending: sort.dir === -1 }, expanded: [...expanded].sort() }),
    [storeId, experimentId, filter, sort, expanded],
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const revision = useRef<ShownRevision>({ current: undefined, epoch: 0 }).current;
  const [first] = useRunTablePages(view, [0], revision);
  const head = first?.data;
  const total = head?.total ?? 0;
  const virtual = total > VIRTUAL_FROM;
  const virtualizer = useVirtualizer({
    count: virtual ? total : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    // One commit per frame rather than one per scroll event (as the trials table does).
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const shownIdx = virtual ? items.map((v) => v.index) : Array.from({ length: total }, (_, k) => k);
  // The pages the rows in view fall on (one or two): the same array while they stay the same.
  const pageKey = [...new Set(shownIdx.map((k) => Math.floor(k / RUN_TABLE_PAGE)))].join(',');
  const pages = useMemo(() => (pageKey === '' ? [] : pageKey.split(',').map(Number)), [pageKey]);
  const pageQs = useRunTablePages(view, pages, revision);
  const rowAt = (k: number) => {
    const q = pageQs[pages.indexOf(Math.floor(k / RUN_TABLE_PAGE))];
    return q?.data?.rows[k % RUN_TABLE_PAGE];
  };
  const busy = first?.stale === true || pageQs.some((q) => q.stale || q.pending);

  const metricKeys = head?.keys.metrics ?? EMPTY;
  const paramKeys = head?.keys.params ?? EMPTY;
  const tagKeys = head?.keys.tags ?? EMPTY;
  // User tags are shown at first; MLflow's own (mlflow.*) are one click away in Columns.
  const defaultCols = useMemo(() => new Set([...metricKeys.slice(0, 4).map((k) => `metrics.${k}`), ...tagKeys.filter((k) => !k.startsWith('mlflow.')).map((k) => `tags.${k}`)]), [metricKeys, tagKeys]);
  const [chosen, setChosen] = useState<Set<string> | null>(null);

  const shown = chosen ?? defaultCols;
  // Each metric's best-of columns (min, max over its history) sit beside its latest value. The same
  // array while nothing changes, so rows in view are not drawn again as the table scrolls.
  const columns = useMemo<Column[]>(
    () => [
      ...ATTR_COLS,
      ...metricKeys.flatMap((key): Column[] =>
        [{ kind: 'metrics', key } as const, { kind: 'best', key, of: 'min' } as const, { kind: 'best', key, of: 'max' } as const].filter((c) => shown.has(colId(c))),
      ),
      ...paramKeys.filter((k) => shown.has(`params.${k}`)).map((key) => ({ kind: 'params' as const, key })),
      ...tagKeys.filter((k) => shown.has(`tags.${k}`)).map((key) => ({ kind: 'tags' as const, key })),
    ],
    [metricKeys, paramKeys, tagKeys, shown],
  );
  const wantsBest = columns.some((c) => c.kind === 'best');
  const shownRuns = shownIdx.map(rowAt).filter((r) => r !== undefined);
  const idKey = shownRuns.map((r) => r.run.info.run_id).join(',');
  const runIds = useMemo(() => (idKey === '' ? [] : idKey.split(',')), [idKey]);
  const bestQ = useBestOf(storeId, runIds, wantsBest);
  const best = bestQ.best;
  const applyFilter = useCallback((f: string) => {
    setDraft(f);
    setFilter(f);
  }, []);
  const toggle = (set: Set<string>, id: string) => {
    const n = new Set(set);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  };
  const onToggle = useCallback((id: string) => setExpanded((s) => toggle(s, id)), []);
  const onSelect = useCallback(
    (r: Run) =>
      setSelected((s) => {
        const n = new Map(s);
        if (n.has(r.info.run_id)) n.delete(r.info.run_id);
        else n.set(r.info.run_id, r);
        return n;
      }),
    [],
  );
  const selectedRuns = [...selected.values()];
  const [chartOpen, setChartOpen] = useState(false);
  const [chartMetric, setChartMetric] = useChartMetric(metricKeys);
  const chart = useRunTableChart(view, chartMetric, chartOpen, revision);

  const row = (k: number, key: string | number) => {
    const item = rowAt(k);
    if (!item) {
      return (
        <tr key={key} className="placeholder-row">
          <td colSpan={columns.length + 1} className="muted">
            …
          </td>
        </tr>
      );
    }
    const id = item.run.info.run_id;
    return <RunRow key={id} item={item} columns={columns} storeId={storeId} best={best} picked={selected.has(id)} open={expanded.has(id)} onSelect={onSelect} onToggle={onToggle} onTag={applyFilter} />;
  };
  const before = virtual && items.length ? items[0]!.start : 0;
  const after = virtual && items.length ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;

  return (
    <div className="runs-panel">
      {head ? <MirroredNotice storeId={storeId} experimentId={experimentId} page={head} /> : null}
      <form
        className="row toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft.trim());
        }}
      >
        <input className="grow mono" type="search" aria-label="MLflow filter" placeholder="metrics.`macro-f1` > 0.8 and params.batch_size = '16'" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Search</button>
        <details className="columns-menu">
          <summary>Columns</summary>
          <fieldset>
            <legend>Metrics</legend>
            {metricKeys.map((k) => (
              <div key={k} className="check">
                <label>
                  <input type="checkbox" checked={shown.has(`metrics.${k}`)} onChange={() => setChosen(toggle(shown, `metrics.${k}`))} /> {k}
                </label>{' '}
                <label className="small">
                  <input type="checkbox" checked={shown.has(`min.${k}`)} onChange={() => setChosen(toggle(shown, `min.${k}`))} aria-label={`${k} min over its history`} /> min
                </label>{' '}
                <label className="small">
                  <input type="checkbox" checked={shown.has(`max.${k}`)} onChange={() => setChosen(toggle(shown, `max.${k}`))} aria-label={`${k} max over its history`} /> max
                </label>
              </div>
            ))}
          </fieldset>
          <fieldset>
            <legend>Params</legend>
            {paramKeys.map((k) => (
              <label key={k} className="check">
                <input type="checkbox" checked={shown.has(`params.${k}`)} onChange={() => setChosen(toggle(shown, `params.${k}`))} /> {k}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Tags</legend>
            {tagKeys.map((k) => (
              <label key={k} className="check">
                <input type="checkbox" checked={shown.has(`tags.${k}`)} onChange={() => setChosen(toggle(shown, `tags.${k}`))} aria-label={`tag ${k}`} /> {k}
              </label>
            ))}
          </fieldset>
        </details>
        <button type="button" className="primary" disabled={selectedRuns.length < 2} onClick={() => setComparing(true)}>
          Compare {selectedRuns.length || ''}
        </button>
      </form>
      {metricKeys.length > 0 ? (
        <details className="card runs-chart" open={chartOpen} onToggle={(e) => setChartOpen(e.currentTarget.open)}>
          <summary>Chart a metric over these runs</summary>
          {chartOpen && chartMetric ? <RunsMetricChart metrics={metricKeys} metric={chartMetric} onMetric={setChartMetric} data={chart.data} /> : null}
          {chart.error ? <ErrorBox error={chart.error} title="The chart's values could not be read" /> : null}
        </details>
      ) : null}
      {first?.error ? <ErrorBox error={first.error} title={filter ? 'The search failed: check the filter (MLflow syntax, e.g. metrics.loss < 0.5)' : 'The runs could not be read'} onRetry={first.refetch} /> : null}
      {first?.pending && !first.data ? <Loading what="runs" /> : null}
      {wantsBest && bestQ.reason ? <p className="notice notice-warn">{bestQ.reason}</p> : null}
      {wantsBest && bestQ.error ? <ErrorBox error={bestQ.error} title="The min and max over the metric histories could not be read" /> : null}
      {head && total === 0 ? <EmptyState title={filter ? 'No run matches this filter' : 'No runs in this experiment'} /> : null}
      {head && filter && total > 0 ? (
        <p className="muted small" role="status" data-filter={filter}>
          {head.matching.toLocaleString('en-US')} of {head.runs.toLocaleString('en-US')} runs match.
        </p>
      ) : null}
      {total > 0 ? (
        <div className={`table-wrap${virtual ? ' runs-scroll' : ''}`} ref={scrollRef}>
          <table className="grid runs" aria-label="Runs" aria-rowcount={total + 1} aria-busy={busy}>
            <thead>
              <tr>
                <th scope="col" className="sel">
                  <span className="sr-only">Select</span>
                </th>
                {columns.map((c) => {
                  const id = colId(c);
                  return (
                    <th scope="col" key={id} aria-sort={sort.id === id ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
                      <button type="button" className="sort-btn" onClick={() => setSort((s) => ({ id, dir: s.id === id ? ((-s.dir) as 1 | -1) : 1 }))}>
                        {colLabel(c)}
                        <span aria-hidden="true">{sort.id === id ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {before > 0 ? <tr aria-hidden="true" className="spacer-row" style={{ height: before }} /> : null}
              {virtual ? items.map((v) => row(v.index, v.key as number)) : shownIdx.map((k) => row(k, k))}
              {after > 0 ? <tr aria-hidden="true" className="spacer-row" style={{ height: after }} /> : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {comparing && selectedRuns.length >= 2 ? <CompareView storeId={storeId} runs={selectedRuns} /> : null}
    </div>
  );
}

const EMPTY: string[] = [];

export function ExperimentsScreen({ storeId, experimentId }: { storeId: string | null; experimentId: string | null }) {
  const stores = useStores();
  return (
    <section className="screen" aria-labelledby="exp-h">
      <header className="screen-head">
        <h1 id="exp-h">Experiments</h1>
        <a className="button" href={href({ name: 'settings' })}>
          Add a store
        </a>
      </header>
      <div className="split">
        <nav className="tree card" aria-label="Stores and experiments">
          {stores.isPending ? <Loading what="stores" /> : null}
          {stores.isError ? <ErrorBox error={stores.error} title="The stores could not be listed" onRetry={() => void stores.refetch()} /> : null}
          <ul>
            {stores.data?.stores.map((s, i) => (
              <StoreNode key={s.id} store={s} open={storeId ? storeId === s.id : i === 0} selected={{ storeId, experimentId }} />
            ))}
          </ul>
        </nav>
        <div className="grow">
          {storeId && experimentId ? (
            <RunsPanel key={`${storeId}/${experimentId}`} storeId={storeId} experimentId={experimentId} />
          ) : (
            <EmptyState title="Pick an experiment">
              <p>Choose a store and an experiment on the left. Tracked sweeps log a parent run per sweep with one child run per trial.</p>
            </EmptyState>
          )}
        </div>
      </div>
    </section>
  );
}
