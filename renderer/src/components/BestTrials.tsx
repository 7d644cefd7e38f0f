// A multi-objective study's best trials (its Pareto front) in the sweep detail's facts, instead of
// one best value: how many, and each with its value per objective; a trial's button selects it.
import type { TrialScalars } from '../../../shared/contract.ts';
import { fmtValue } from '../lib/format.ts';
import { objectiveValue, type StudyObjectives } from '../lib/views/objectives.ts';

/** More than this many are listed in a scroll box. */
export function BestTrials({ trials, objectives, onSelect }: { trials: readonly TrialScalars[]; objectives: StudyObjectives; onSelect: (trial: number) => void }) {
  const onFront = trials.filter((t) => objectives.front.has(t.number));
  if (onFront.length === 0) return <span className="muted">— (no complete trial yet)</span>;
  return (
    <div className="best-trials">
      <table className="small" aria-label="Best trials (Pareto front)">
        <thead>
          <tr>
            <th scope="col">#</th>
            {objectives.labels.map((l, k) => (
              <th scope="col" key={k}>
                {l} {objectives.directions[k] === 'maximize' ? '↑' : '↓'}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {onFront.map((t) => (
            <tr key={t.number}>
              <td>
                <button type="button" className="link-btn" aria-label={`Select trial ${t.number}`} onClick={() => onSelect(t.number)}>
                  {t.number}
                </button>
              </td>
              {objectives.labels.map((_, k) => (
                <td key={k} className="num">
                  {fmtValue(objectiveValue(t, k))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
