// Linear / log switch for a chart axis: two toggle buttons, the one in use pressed.
export function ScaleToggle({ log, onChange, label, disabledReason }: { log: boolean; onChange: (log: boolean) => void; label: string; disabledReason: string | null }) {
  return (
    <div className="chart-tools">
      <span className="muted small">{label}</span>
      <div className="seg" role="group" aria-label={`${label} scale`}>
        <button type="button" aria-pressed={!log} onClick={() => onChange(false)}>
          Linear
        </button>
        <button type="button" aria-pressed={log} disabled={disabledReason !== null} title={disabledReason ?? undefined} onClick={() => onChange(true)}>
          Log
        </button>
      </div>
      {disabledReason ? <span className="muted small">{disabledReason}</span> : null}
    </div>
  );
}
