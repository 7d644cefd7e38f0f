import type { TrialScalars } from '../../../../shared/contract.ts';
import { methodLabel, paramImportance } from '../../lib/importance/paramImportance.ts';
import { importanceStability, type Stability } from '../../lib/importance/stability.ts';
import { useQuietMemo } from '../../lib/useQuiet.ts';
import type { Distribution } from '../../lib/views/paramCoords.ts';
import { Loading } from '../Notice.tsx';

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

/** The ranking's certainty in words, from how often the top param stayed first over the resamples. */
function verdict(first: number): string {
  if (first >= 0.95) return 'Sure';
  if (first >= 0.75) return 'Fairly sure';
  return 'Not sure';
}

export function ImportanceChart({
  trials,
  params,
  distributions,
  direction,
}: {
  trials: readonly TrialScalars[];
  params: readonly string[];
  distributions: Record<string, Distribution>;
  direction: 'minimize' | 'maximize' | null;
}) {
  // Milliseconds for 100,000 trials, the bootstrap more: each in a task of its own, not in a render
  // during a scroll; the ranking is shown before its certainty.
  const imp = useQuietMemo(() => paramImportance({ trials, params, distributions, direction }), [trials, params, distributions, direction]);
  const stab = useQuietMemo<{ of: typeof imp; s: Stability } | null>(() => (imp?.kind === 'ped-anova' && imp.params.length > 0 ? { of: imp, s: importanceStability(imp.prepared) } : null), [imp]);
  if (imp === undefined) return <Loading what="the importance" />;
  if (imp.kind === 'too-few') {
    return (
      <p className="muted chart-empty">
        Not enough trials for importance: {imp.trials} completed with a value; PED-ANOVA needs at least {imp.need}.
      </p>
    );
  }
  // While a live sweep's new trials are resampled, the last bootstrap stays shown (no flicker); it is
  // read by param name, as its params may differ.
  const s = stab?.of?.kind === 'ped-anova' ? stab.s : null;
  const index = new Map(stab?.of?.kind === 'ped-anova' ? stab.of.prepared.params.map((p, i) => [p.name, i]) : []);
  const at = (arr: Float64Array, param: string): number | undefined => {
    const i = index.get(param);
    return i === undefined ? undefined : arr[i];
  };
  const top = imp.params[0];
  const topFirst = s !== null && top !== undefined ? (at(s.first, top.param) ?? null) : null;
  const runnerUp = s !== null ? imp.params.slice(1).reduce<{ param: string; first: number } | null>((best, p) => {
    const f = at(s.first, p.param) ?? 0;
    return f > 0 && (best === null || f > best.first) ? { param: p.param, first: f } : best;
  }, null) : null;
  const conditional = imp.params.some((p) => p.conditional);
  return (
    <figure className="importance">
      <p className="imp-method">
        <strong>{methodLabel(imp)}</strong>
      </p>
      <ul className="imp-list" aria-label="Hyperparameter importance">
        {imp.params.map((p) => {
          const lo = s === null ? undefined : at(s.low, p.param);
          const hi = s === null ? undefined : at(s.high, p.param);
          const interval = lo !== undefined && hi !== undefined && !Number.isNaN(lo) && !Number.isNaN(hi) ? { lo, hi } : null;
          return (
            <li key={p.param}>
              <span className="imp-name" title={p.conditional ? `measured over the ${p.trials} trials that have it` : undefined}>
                {p.param}
                {p.conditional ? ' *' : ''}
              </span>
              <svg className="imp-svg" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                <rect x={0} y={0} width={100} height={10} rx={2} className="imp-track" />
                <rect x={0} y={0} width={Math.max(0.5, p.score * 100)} height={10} rx={2} className="imp-bar" />
                {interval && <rect x={interval.lo * 100} y={4} width={Math.max(0.5, (interval.hi - interval.lo) * 100)} height={2} className="imp-interval" />}
              </svg>
              <span className="num">{pct(p.score)}</span>
              <span className="imp-range muted small">{p.fixed ? 'one value' : interval ? `${pct(interval.lo)}–${pct(interval.hi)}` : ''}</span>
            </li>
          );
        })}
      </ul>
      {top !== undefined && (
        <p className="imp-certainty" aria-label="How sure">
          {s === null || topFirst === null ? (
            'Measuring how sure the ranking is…'
          ) : (
            <>
              {verdict(topFirst)}: <strong>{top.param}</strong> ranked first in {pct(topFirst)} of {s.resamples} resamples of the trials
              {topFirst < 0.95 && runnerUp !== null ? `, ${runnerUp.param} in ${pct(runnerUp.first)}` : ''}.
            </>
          )}
        </p>
      )}
      {imp.lacking.length > 0 && (
        <p className="muted small">
          Not enough trials: {imp.lacking.map((l) => `${l.param} (${l.trials} ${l.trials === 1 ? 'trial has' : 'trials have'} it)`).join(', ')}.
        </p>
      )}
      <figcaption className="muted small">
        PED-ANOVA, as Optuna 5 and optuna-dashboard compute it: how differently each parameter is spread among the best {pct(imp.quantile)} of completed trials than among all of them (the Pearson divergence of
        their Parzen estimates), normalised to 100%. The thin line and the range are the 90% interval over bootstrap resamples of the trials; a short list of trials or overlapping ranges mean the order may change.
        {conditional ? ' * Measured over the trials that have the parameter (a conditional space).' : ''}
      </figcaption>
    </figure>
  );
}
