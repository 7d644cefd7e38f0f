// Optuna's datetime text. SQLAlchemy writes `YYYY-MM-DD HH:MM:SS.ffffff`; any other shape (ISO 'T',
// 'Z', three fraction digits) breaks or silently misreads in some Optuna versions, so we always
// write exactly six fraction digits, as naive UTC (Optuna 5 semantics; heartbeats were always UTC).

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Date -> `YYYY-MM-DD HH:MM:SS.ffffff` in UTC. */
export function formatOptunaDatetime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('formatOptunaDatetime: invalid Date');
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`
  );
}

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * Parses the stored text as naive UTC; tolerant of a missing fraction (heartbeats from SQL
 * CURRENT_TIMESTAMP) and of 'T'. The fraction is read as a decimal fraction of a second. Returns
 * null for NULL or unparseable text.
 */
export function parseOptunaDatetime(text: string | null | undefined): Date | null {
  if (text === null || text === undefined) return null;
  const m = DATETIME_RE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000 + 1e-6) : 0;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  return Number.isNaN(t) ? null : new Date(t);
}
