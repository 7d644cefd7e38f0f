export function ProgressBar({ value, max, label, state }: { value: number; max: number | null; label: string; state?: string }) {
  const pct = max && max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div className="progress-wrap">
      <div
        className={`progress progress-${state ?? 'idle'}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max ?? undefined}
        aria-valuenow={value}
        aria-valuetext={max ? `${value} of ${max} trials` : `${value} trials`}
      >
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="progress-text">{max ? `${value} / ${max}` : `${value}`}</span>
    </div>
  );
}
