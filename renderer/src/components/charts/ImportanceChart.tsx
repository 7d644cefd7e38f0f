import type { TrialScalars } from '../../../../shared/contract.ts';
import { paramImportance } from '../../lib/importance.ts';
import { useQuietMemo } from '../../lib/useQuiet.ts';
import { Loading } from '../Notice.tsx';

export function ImportanceChart({ trials, params }: { trials: readonly TrialScalars[]; params: readonly string[] }) {
  // Tens of milliseconds for 10,000 trials: in a task of its own, not in a render during a scroll.
  const imp = useQuietMemo(() => paramImportance(trials, params), [trials, params]);
  if (imp === undefined) return <Loading what="the importance" />;
  if (imp.length === 0) return <p className="muted chart-empty">Importance needs at least 3 completed trials.</p>;
  return (
    <figure className="importance">
      <ul className="imp-list" aria-label="Hyperparameter importance">
        {imp.map((i) => (
          <li key={i.param}>
            <span className="imp-name">{i.param}</span>
            <svg className="imp-svg" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
              <rect x={0} y={0} width={100} height={10} rx={2} className="imp-track" />
              <rect x={0} y={0} width={Math.max(0.5, i.score * 100)} height={10} rx={2} className="imp-bar" />
            </svg>
            <span className="num">{(i.score * 100).toFixed(0)}%</span>
          </li>
        ))}
      </ul>
      <figcaption className="muted small">
        Estimate: |Spearman ρ| between each numeric parameter and the objective, correlation ratio η for choices, over completed trials; normalised to 100%.
      </figcaption>
    </figure>
  );
}
