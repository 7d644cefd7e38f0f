// Parses the metric lines a trial prints on stdout: `<metric>=<number>`, possibly several pairs on
// one line, plus an optional `step=<int>`. A line counts only when every token on it is such a
// pair, so ordinary log output that happens to contain `=` is not mistaken for a metric.

export interface MetricLine {
  /** Metric name -> value (NaN and ±Infinity allowed). Never contains `step`. */
  metrics: Map<string, number>;
  /** The step given on the line, if any. */
  step?: number;
}

const PAIR_RE = /^([A-Za-z_][A-Za-z0-9_.\-/:]*)=(\S+)$/;
const NUMBER_RE = /^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)$/i;

/** Parses a number as trials print them: JS/Python float syntax, `inf`, `-inf`, `infinity`, `nan`. */
export function parseMetricNumber(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (NUMBER_RE.test(t)) return Number(t);
  const sign = t.startsWith('-') ? -1 : 1;
  const bare = t.replace(/^[+-]/, '');
  if (bare === 'inf' || bare === 'infinity') return sign * Infinity;
  if (bare === 'nan') return NaN;
  return undefined;
}

/** The metrics on one stdout line, or undefined when the line is not a metric line. */
export function parseMetricLine(line: string): MetricLine | undefined {
  const tokens = line.trim().split(/[\s,]+/).filter(Boolean);
  if (tokens.length === 0) return undefined;
  const metrics = new Map<string, number>();
  let step: number | undefined;
  for (const tok of tokens) {
    const m = PAIR_RE.exec(tok);
    if (!m) return undefined;
    const value = parseMetricNumber(m[2] ?? '');
    if (value === undefined) return undefined;
    if (m[1] === 'step') {
      if (!Number.isInteger(value) || value < 0) return undefined;
      step = value;
    } else {
      metrics.set(m[1] ?? '', value);
    }
  }
  if (metrics.size === 0) return undefined;
  return step === undefined ? { metrics } : { metrics, step };
}
