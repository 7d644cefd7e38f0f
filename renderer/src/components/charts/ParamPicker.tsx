// A select of the study's params, for the views that plot one or two of them.
export function ParamPicker({ label, params, value, onChange }: { label: string; params: readonly string[]; value: string; onChange: (p: string) => void }) {
  return (
    <label className="inline">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {params.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
}
