// One MLflow run: params, metrics with history, its parent or children, and (for a sweep's parent
// run) the sweep and checkpoint it came from.
import { useMemo, useRef, useState } from 'react';
import { useClient } from '../api/clientContext.tsx';
import { keys, useChannel } from '../api/queries.ts';
import { RUN_TABLE_PAGE, useBestOf, useRunTablePages, type RunTableView, type ShownRevision } from '../api/runViews.ts';
import { ArtifactsPanel } from '../components/ArtifactsPanel.tsx';
import { MetricHistoryChart } from '../components/MetricHistoryChart.tsx';
import { ErrorBox, Loading } from '../components/Notice.tsx';
import { fmtDuration, fmtTime, fmtValue } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { bestKey, keysOf, metric, PARENT_TAG, param, runName, tag, tagFilter } from '../lib/runs.ts';

/** Child runs shown here at most (a sweep of 100,000 trials has as many); all of them are in the
 * Experiments table, which draws only the rows in view. */
const CHILDREN_SHOWN = RUN_TABLE_PAGE;

function ChildRuns({ storeId, experimentId, runId }: { storeId: string; experimentId: string; runId: string }) {
  // The host's runs table, filtered to this run's children: the first page by start time.
  const view = useMemo<RunTableView>(() => ({ storeId, experimentId, filter: tagFilter(PARENT_TAG, runId), sort: { column: 'attr.start', descending: false }, expanded: [] }), [storeId, experimentId, runId]);
  const revision = useRef<ShownRevision>({ current: undefined, epoch: 0 }).current;
  const [q] = useRunTablePages(view, [0], revision);
  const kids = useMemo(() => (q?.data?.rows ?? []).map((row) => row.run), [q?.data]);
  const metricKeys = useMemo(() => keysOf(kids, 'metrics'), [kids]);
  const total = q?.data?.matching ?? 0;
  if (!q || (q.pending && !q.data)) return <Loading what="child runs" />;
  if (q.error) return <ErrorBox error={q.error} title="The child runs could not be read" onRetry={q.refetch} />;
  if (kids.length === 0) return null;
  return (
    <section className="card card-flush">
      <h2 className="card-h pad">
        Child runs <span className="muted small">{total}</span>
      </h2>
      {total > CHILDREN_SHOWN ? (
        <p className="muted small pad">
          The first {CHILDREN_SHOWN} by start time; <a href={href({ name: 'experiments', storeId, experimentId })}>all {total.toLocaleString('en-US')} in the Experiments table</a> (expand this run there).
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="grid" aria-label="Child runs">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">Trial</th>
              {metricKeys.map((k) => (
                <th scope="col" key={k} className="num">
                  {k}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {kids.map((r) => (
              <tr key={r.info.run_id}>
                <td>
                  <a href={href({ name: 'run', storeId, runId: r.info.run_id })}>{runName(r)}</a>
                </td>
                <td>
                  <span className={`rstatus rstatus-${r.info.status.toLowerCase()}`}>{r.info.status.toLowerCase()}</span>
                </td>
                <td className="num">{param(r, 'trial_number') ?? tag(r, 'trial_number') ?? tag(r, 'optuna.trial_number') ?? '—'}</td>
                {metricKeys.map((k) => (
                  <td key={k} className="num">
                    {fmtValue(metric(r, k))}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** A metric's min and max over its history, beside its latest value. */
function bestText(b: { min: number | null; max: number | null } | undefined): string {
  return b ? `min ${fmtValue(b.min)} · max ${fmtValue(b.max)}` : '';
}

export function RunScreen({ storeId, runId }: { storeId: string; runId: string }) {
  const client = useClient();
  const q = useChannel(keys.run(storeId, runId), 'runs.get', { storeId, runId });
  const [metricKey, setMetricKey] = useState<string | null>(null);
  const [finding, setFinding] = useState(false);
  const [findMsg, setFindMsg] = useState<string | null>(null);
  const r = q.data?.run;
  const chartRuns = useMemo(() => (r ? [{ id: r.info.run_id, name: runName(r) }] : []), [r]);
  const runIds = useMemo(() => [runId], [runId]);
  const { best } = useBestOf(storeId, runIds, (r?.data.metrics ?? []).length > 0);
  if (q.isPending) return <Loading what="the run" />;
  if (q.isError || !r)
    return (
      <section className="screen">
        <ErrorBox error={q.error} title="The run could not be read" onRetry={() => void q.refetch()} />
      </section>
    );
  const parent = tag(r, PARENT_TAG);
  const checkpoint = param(r, 'checkpoint_path');
  const metrics = r.data.metrics ?? [];
  const shownKey = metricKey ?? metrics[0]?.key ?? null;

  const openSweep = async (): Promise<void> => {
    setFinding(true);
    setFindMsg(null);
    const res = await client.call('runs.findSweep', { storeId, runId });
    setFinding(false);
    if (!res.ok) setFindMsg(res.error.message);
    else if (res.value.sweepId) navigate({ name: 'sweep', id: res.value.sweepId });
    else setFindMsg(res.value.checkpointPath ? `The checkpoint ${res.value.checkpointPath} is not on this machine (or was deleted).` : 'This run has no checkpoint_path param.');
  };

  return (
    <section className="screen" aria-labelledby="run-h">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={href({ name: 'experiments', storeId, experimentId: r.info.experiment_id })}>Experiment {r.info.experiment_id}</a>
        {parent ? (
          <>
            {' '}
            <span aria-hidden="true">/</span> <a href={href({ name: 'run', storeId, runId: parent })}>Parent run</a>
          </>
        ) : null}{' '}
        <span aria-hidden="true">/</span> <span>{runName(r)}</span>
      </nav>
      <header className="screen-head">
        <h1 id="run-h">
          {runName(r)} <span className={`rstatus rstatus-${r.info.status.toLowerCase()}`}>{r.info.status.toLowerCase()}</span>
        </h1>
        {checkpoint ? (
          <button type="button" className="primary" onClick={() => void openSweep()} disabled={finding}>
            {finding ? 'Opening…' : 'Open sweep'}
          </button>
        ) : null}
      </header>
      {findMsg ? (
        <div className="notice notice-warn" role="status">
          {findMsg}
        </div>
      ) : null}
      <dl className="facts card">
        <div>
          <dt>Run id</dt>
          <dd>
            <code>{r.info.run_id}</code>
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{fmtTime(r.info.start_time)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{fmtDuration(r.info.end_time ? r.info.end_time - r.info.start_time : null)}</dd>
        </div>
        {checkpoint ? (
          <div>
            <dt>Checkpoint</dt>
            <dd className="path">
              <code>{checkpoint}</code>
            </dd>
          </div>
        ) : null}
      </dl>
      <ChildRuns storeId={storeId} experimentId={r.info.experiment_id} runId={r.info.run_id} />
      <div className="two-col">
        <section className="card card-flush">
          <h2 className="card-h pad">Params</h2>
          <table className="grid" aria-label="Params">
            <tbody>
              {(r.data.params ?? []).map((p) => (
                <tr key={p.key}>
                  <th scope="row">{p.key}</th>
                  <td className="mono">{p.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card card-flush">
          <h2 className="card-h pad">Metrics</h2>
          <table className="grid" aria-label="Metrics">
            <tbody>
              {metrics.map((m) => (
                <tr key={m.key}>
                  <th scope="row">
                    <button type="button" className="link-btn" aria-pressed={shownKey === m.key} onClick={() => setMetricKey(m.key)}>
                      {m.key}
                    </button>
                  </th>
                  <td className="num">{fmtValue(m.value)}</td>
                  <td className="muted small">step {m.step}</td>
                  <td className="num muted small">{bestText(best?.get(bestKey(r.info.run_id, m.key)))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {metrics.length === 0 ? <p className="muted pad">No metrics logged.</p> : null}
        </section>
      </div>
      <section className="card card-flush">
        <h2 className="card-h pad">Tags</h2>
        <table className="grid" aria-label="Tags">
          <tbody>
            {(r.data.tags ?? []).map((t) => (
              <tr key={t.key}>
                <th scope="row" className={t.key.startsWith('mlflow.') ? 'muted' : undefined}>
                  {t.key}
                </th>
                <td className="mono">{t.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {(r.data.tags ?? []).length === 0 ? <p className="muted pad">No tags.</p> : null}
      </section>
      <ArtifactsPanel storeId={storeId} runId={r.info.run_id} />
      {shownKey ? (
        <section className="card">
          <h2 className="card-h">History of {shownKey}</h2>
          <MetricHistoryChart storeId={storeId} runs={chartRuns} metricKey={shownKey} />
        </section>
      ) : null}
    </section>
  );
}
