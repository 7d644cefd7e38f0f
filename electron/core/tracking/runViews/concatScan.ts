// Many rows of a SQLite table read in few steps: SQL joins each row's fields, and the rows of a
// chunk of rowids, into one text with U+001F between them, split in JS. better-sqlite3 costs about
// a microsecond for each row it hands over (an array and a value each); a chunk costs one, so
// 300,000 rows read several times faster. A chunk whose fields hold U+001F themselves (its split
// then gives more parts than rows × fields) is read again row by row.
import type Database from 'better-sqlite3';

const SEP = '\u001f';

/** Rowids per chunk: with MLflow's longest values (8,000 characters) a chunk stays far below
 * V8's longest string. */
const CHUNK = 16_384;

export interface ConcatScan {
  /** The table whose rowids are chunked. */
  table: string;
  /** The FROM clause: `table`, alone (e.g. with NOT INDEXED, so its rowids are walked in order). */
  from: string;
  /** One SQL expression per field; none may be NULL (coalesce them). */
  fields: readonly string[];
  /** A condition on the rows, and its arguments. */
  where?: string;
  args?: readonly unknown[];
}

/** Calls `row(parts, at)` for each row: its fields, as text, are parts[at] .. parts[at + width - 1].
 * Numbers come as SQLite writes them ('0.1', '1.0e+21', 'Inf'): read them with sqlNumber. */
export function concatScan(db: Database.Database, scan: ConcatScan, row: (parts: readonly string[], at: number) => void): void {
  const chunks = concatChunks(db, scan, row);
  while (!chunks.next().done);
}

/** concatScan one chunk at a time: each next() reads the next chunk (so a long read can let other
 * work in between). */
export function* concatChunks(db: Database.Database, scan: ConcatScan, row: (parts: readonly string[], at: number) => void): Generator<void, void, void> {
  const width = scan.fields.length;
  const cond = `${scan.where ? `(${scan.where}) AND ` : ''}rowid BETWEEN ? AND ?`;
  const joined = db.prepare(`SELECT group_concat(${scan.fields.join(` || char(31) || `)}, char(31)), count(*) FROM ${scan.from} WHERE ${cond}`).raw();
  const bounds = db.prepare(`SELECT min(rowid), max(rowid) FROM ${scan.table}`).raw().get() as [number | null, number | null];
  const [lo, hi] = bounds;
  if (lo === null || hi === null) return;
  let byRow: Database.Statement | null = null;
  const args = scan.args ?? [];
  for (let from = lo; from <= hi; from += CHUNK) {
    const to = Math.min(hi, from + CHUNK - 1);
    const [text, count] = joined.get(...args, from, to) as [string | null, number];
    if (count === 0) continue;
    const parts = text === null ? [] : text.split(SEP);
    if (parts.length === count * width) {
      for (let at = 0; at < parts.length; at += width) row(parts, at);
    } else {
      // Some field holds the separator (or is NULL): this chunk row by row.
      byRow ??= db.prepare(`SELECT ${scan.fields.join(', ')} FROM ${scan.from} WHERE ${cond}`).raw();
      for (const r of byRow.iterate(...args, from, to) as Iterable<unknown[]>) row(r.map((v) => (v === null ? '' : String(v))), 0);
    }
    if (to < hi) yield;
  }
}

/** A number as SQLite writes a REAL or INTEGER as text (the shortest text that reads back exactly). */
export function sqlNumber(s: string): number {
  if (s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}
