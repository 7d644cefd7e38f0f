// The live trials table: virtualized (only the visible rows exist in the DOM), so 100,000 trials
// scroll smoothly. Sorted and filtered by any column (trial fields, params, user attributes) through
// lib/trialsOrder.ts: row indices ordered over typed arrays. ARIA table roles keep it readable by
// screen readers and findable by tests.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { TrialScalars } from '../../../shared/contract.ts';
import { fmtDuration, fmtParam, fmtValue } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { firstViewDrawn } from '../lib/firstView.ts';
import { markAfterPaint } from '../lib/perf.ts';
import { afterQuiet, noteScroll, watchScroll } from '../lib/scrollQuiet.ts';
import { TrialStateBadge } from './StateBadge.tsx';
import { objectiveValue, type StudyObjectives } from '../lib/views/objectives.ts';
import { paramOf, userAttrOf } from '../../../shared/trialColumns.ts';
import { columnValues, distinctValues, orderTrials, tableAttrKeys, type ColumnFilter, type ColumnKey, type TrialFilters, type TrialSort } from '../lib/trialsOrder.ts';

/** A user attribute's cell text ('—' when the trial has none). */
function fmtAttr(v: string | number | boolean | null | undefined): string {
  return v === undefined || v === null ? '—' : String(v);
}

const ROW_HEIGHT = 32;
/** The scroll box's height, fixed in styles.css (.trials-scroll). Given to the virtualizer up front,
 * the first render already has the visible rows; otherwise it renders none, measures the box in a
 * layout effect and renders again (a second render and layout on the way to the first draw). */
const SCROLL_HEIGHT = 420;
const OVERSCAN = 4;
/** Rows rendered at most at once: those in view (one cut at each edge) and the overscan. Rows are
 * keyed by index modulo this, so after a jump of any length (a fast scroll moves 50 rows a frame)
 * the rows coming in take the keys of those leaving, and React updates their text in place. Keyed
 * modulo a larger number (256 before), a jump of more than a screen gave every row a new key: all
 * ~22 rows, ~400 elements, unmounted and built again in that frame (a 33 ms frame at 1600 px). */
const ROW_WINDOW = Math.ceil(SCROLL_HEIGHT / ROW_HEIGHT) + 1 + 2 * OVERSCAN;

/** Memoised, so a re-render of the screen around it (a query arriving) leaves the table alone. */
export const TrialsTable = memo(function TrialsTable({
  trials,
  paramNames,
  categoricalParams,
  storeId,
  selected,
  onSelect,
  objectives,
}: {
  trials: readonly TrialScalars[];
  paramNames: readonly string[];
  /** Params filtered by a set of choices rather than a range (categorical distributions). */
  categoricalParams?: ReadonlySet<string>;
  storeId: string | null;
  selected: number | null;
  onSelect: (n: number) => void;
  /** A multi-objective study: one value column per objective, and Feasible under constraints. */
  objectives?: Pick<StudyObjectives, 'labels' | 'constrained'>;
}) {
  const [sort, setSort] = useState<TrialSort>({ key: 'number', dir: 1 });
  const [filters, setFilters] = useState<TrialFilters>({});
  const scrollRef = useRef<HTMLDivElement>(null);
  const attrKeys = useMemo(() => tableAttrKeys(trials), [trials]);

  // Row indices in order (typed arrays, lib/trialsOrder.ts), then the rows they stand for.
  const rows = useMemo(() => {
    const idx = orderTrials(trials, sort, filters);
    const out = new Array<TrialScalars>(idx.length);
    for (let k = 0; k < idx.length; k++) out[k] = trials[idx[k]!]!;
    return out;
  }, [trials, sort, filters]);
  const setFilter = useCallback((key: ColumnKey, f: ColumnFilter | undefined) => setFilters((old) => ({ ...old, [key]: f })), []);
  const filtering = Object.values(filters).some((f) => f !== undefined);
  // The filter fields read whole columns (kinds, choices): built in a task after the table's first
  // paint, not on the way to it.
  const [filtersReady, setFiltersReady] = useState(false);
  useEffect(() => {
    if (filtersReady || trials.length === 0) return undefined;
    const timer = setTimeout(() => setFiltersReady(true), 0);
    return () => clearTimeout(timer);
  }, [filtersReady, trials.length]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    initialRect: { width: 0, height: SCROLL_HEIGHT },
    // Rows have a fixed height, so few extra rows are needed; each one is DOM work on every frame
    // of a fast scroll.
    overscan: OVERSCAN,
    // Render on React's normal schedule rather than synchronously inside each scroll event: one
    // commit per frame instead of one per event.
    useFlushSync: false,
  });

  const items = virtualizer.getVirtualItems();
  // Never fewer slots than rows rendered (keys must stay unique), and otherwise always the same.
  const slots = Math.max(ROW_WINDOW, items.length);

  useLayoutEffect(() => (scrollRef.current ? watchScroll(scrollRef.current) : undefined), []);

  // A layout effect, like the history chart's draw hook: its animation frame is the one that paints
  // these rows. (A passive effect may run only after that frame, which would mark a frame late.)
  useLayoutEffect(() => {
    // The held shell requests go in a later task (their re-renders and fetch() calls must not run
    // ahead of the history chart's own after-paint mark, queued for the same frame), and not while
    // the table is being scrolled.
    if (rows.length > 0) markAfterPaint('trials-table-drawn', () => afterQuiet(firstViewDrawn));
  }, [rows.length]);

  // Arrow keys move between rows: the row may not exist yet (virtualized), so scroll to it and
  // focus it once it is rendered, trying for a few frames.
  const moveTo = useCallback(
    (i: number) => {
      const to = Math.max(0, Math.min(rows.length - 1, i));
      virtualizer.scrollToIndex(to, { align: 'auto' });
      let tries = 8;
      const focus = (): void => {
        const el = scrollRef.current?.querySelector<HTMLElement>(`[aria-rowindex="${to + 2}"]`);
        if (el) el.focus();
        else if (--tries > 0) requestAnimationFrame(focus);
      };
      requestAnimationFrame(focus);
    },
    [rows.length, virtualizer],
  );

  const valueColumns = objectives ? objectives.labels.map(() => '7rem').join(' ') : '7rem';
  const columns = `4.5rem 6.5rem ${valueColumns} ${objectives?.constrained ? '5.5rem ' : ''}6rem ${[...paramNames, ...attrKeys].map(() => 'minmax(6.5rem, 1fr)').join(' ')} 5rem`;
  const header = (key: ColumnKey, label: string, className?: string) => (
    <div role="columnheader" key={key} className={className} title={className ? label : undefined} aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-btn" onClick={() => setSort((s) => ({ key, dir: s.key === key ? ((-s.dir) as 1 | -1) : 1 }))}>
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </div>
  );

  return (
    <>
      <div className="trow trow-filters" role="group" aria-label="Trial filters" style={{ gridTemplateColumns: columns }}>
        <div>
          <button type="button" className="link-btn small" disabled={!filtering} onClick={() => setFilters({})}>
            Clear filters
          </button>
        </div>
        {filtersReady ? <ColumnFilterField trials={trials} column="state" label="state" as="set" filter={filters.state} onChange={setFilter} /> : <div />}
        {objectives ? (
          objectives.labels.map((l, k) => (filtersReady ? <ColumnFilterField key={`o${k}`} trials={trials} column={`objective:${k}`} label={l} as="range" filter={filters[`objective:${k}`]} onChange={setFilter} /> : <div key={`o${k}`} />))
        ) : filtersReady ? (
          <ColumnFilterField trials={trials} column="value" label="value" as="range" filter={filters.value} onChange={setFilter} />
        ) : (
          <div />
        )}
        {objectives?.constrained ? filtersReady ? <ColumnFilterField trials={trials} column="feasible" label="feasible" as="set" filter={filters.feasible} onChange={setFilter} /> : <div /> : null}
        <div className="muted small" aria-live="polite">
          {filtering ? `${rows.length.toLocaleString('en-US')} of ${trials.length.toLocaleString('en-US')}` : ''}
        </div>
        {!filtersReady ? null : paramNames.map((p) => (
          <ColumnFilterField key={p} trials={trials} column={`param:${p}`} label={p} as={categoricalParams?.has(p) ? 'set' : 'auto'} filter={filters[`param:${p}`]} onChange={setFilter} />
        ))}
        {!filtersReady ? null : attrKeys.map((k) => (
          <ColumnFilterField key={k} trials={trials} column={`attr:${k}`} label={`user attr ${k}`} as="auto" filter={filters[`attr:${k}`]} onChange={setFilter} />
        ))}
        <div />
      </div>
      <div className="trials" role="table" aria-label="Trials" aria-rowcount={rows.length + 1}>
        <div className="trials-head" role="rowgroup">
          <div className="trow trow-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: columns }}>
            {header('number', '#')}
            {header('state', 'State')}
            {objectives ? objectives.labels.map((l, k) => header(`objective:${k}`, l)) : header('value', 'Value')}
            {objectives?.constrained ? header('feasible', 'Feasible') : null}
            {header('duration', 'Duration')}
            {paramNames.map((p) => header(`param:${p}`, p, 'param-col'))}
            {attrKeys.map((k) => header(`attr:${k}`, k, 'param-col'))}
            <div role="columnheader">Run</div>
          </div>
        </div>
        <div className="trials-scroll" ref={scrollRef} data-testid="trials-scroll" tabIndex={0} aria-label="Trials rows (scroll)" onWheel={noteScroll} onTouchMove={noteScroll} onKeyDown={noteScroll}>
          <div role="rowgroup" className="trials-body" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((v) => {
              const t = rows[v.index]!;
              // Keyed by slot, not by trial: a row leaving the view is reused for the one coming in
              // (text updated in place) instead of unmounting one and building another.
              return (
                <TrialRowView
                  key={v.index % slots}
                  t={t}
                  index={v.index}
                  start={v.start}
                  columns={columns}
                  paramNames={paramNames}
                  attrKeys={attrKeys}
                  storeId={storeId}
                  selected={selected === t.number}
                  onSelect={onSelect}
                  onMove={moveTo}
                  objectives={objectives}
                />
              );
            })}
          </div>
        </div>
      </div>
    </>
  );
});

/** One column's filter in the row above the table: a from/to pair for numbers, a choice for a
 * column with few distinct values (categorical params, states, most user attributes), else a text
 * to look for. `as: 'auto'` picks by the column's values. */
function ColumnFilterField({
  trials,
  column,
  label,
  as,
  filter,
  onChange,
}: {
  trials: readonly TrialScalars[];
  column: ColumnKey;
  label: string;
  as: 'range' | 'set' | 'auto';
  filter: ColumnFilter | undefined;
  onChange: (key: ColumnKey, f: ColumnFilter | undefined) => void;
}) {
  const kind = useMemo(() => {
    if (as === 'range' || (as === 'auto' && columnValues(trials, column).numeric)) return 'range' as const;
    const choices = distinctValues(trials, column, as === 'set' ? 200 : 50);
    return choices ? ({ choices } as const) : ('contains' as const);
  }, [trials, column, as]);
  if (kind === 'range') {
    const range = filter?.kind === 'range' ? filter : { min: null, max: null };
    const set = (end: 'min' | 'max', text: string): void => {
      const x = text.trim() === '' ? null : Number(text);
      const next = { kind: 'range' as const, min: range.min, max: range.max, [end]: x !== null && Number.isFinite(x) ? x : null };
      onChange(column, next.min === null && next.max === null ? undefined : next);
    };
    return (
      <div className="filter-range">
        <input type="number" step="any" placeholder="from" aria-label={`Filter ${label} from`} value={range.min ?? ''} onChange={(e) => set('min', e.target.value)} />
        <input type="number" step="any" placeholder="to" aria-label={`Filter ${label} to`} value={range.max ?? ''} onChange={(e) => set('max', e.target.value)} />
      </div>
    );
  }
  if (kind === 'contains') {
    return (
      <input
        type="search"
        placeholder="contains"
        aria-label={`Filter ${label}`}
        value={filter?.kind === 'contains' ? filter.text : ''}
        onChange={(e) => onChange(column, e.target.value === '' ? undefined : { kind: 'contains', text: e.target.value })}
      />
    );
  }
  const chosen = filter?.kind === 'set' ? ([...filter.values][0] ?? '') : '';
  return (
    <select aria-label={`Filter ${label}`} value={chosen} onChange={(e) => onChange(column, e.target.value === '' ? undefined : { kind: 'set', values: new Set([e.target.value]) })}>
      <option value="">all</option>
      {kind.choices.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  );
}

/** One row; memoized so scrolling renders only the rows that come into view. */
const TrialRowView = memo(function TrialRowView({
  t,
  index,
  start,
  columns,
  paramNames,
  attrKeys,
  storeId,
  selected,
  onSelect,
  onMove,
  objectives,
}: {
  t: TrialScalars;
  index: number;
  start: number;
  columns: string;
  paramNames: readonly string[];
  attrKeys: readonly string[];
  storeId: string | null;
  selected: boolean;
  onSelect: (n: number) => void;
  onMove: (index: number) => void;
  objectives?: Pick<StudyObjectives, 'labels' | 'constrained'>;
}) {
  return (
    // The row is the keyboard stop (Enter shows its log, arrows move between rows), so its number
    // button is not a second one.
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      aria-label={`Trial ${t.number}, ${t.state.toLowerCase()}${t.value === null ? '' : `, value ${fmtValue(t.value)}`}: Enter shows its log`}
      tabIndex={0}
      className={`trow${selected ? ' trow-selected' : ''}`}
      style={{ gridTemplateColumns: columns, transform: `translateY(${start}px)`, height: ROW_HEIGHT }}
      onClick={() => onSelect(t.number)}
      onKeyDown={(e) => {
        if (e.target !== e.currentTarget) return;
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(t.number);
        } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          onMove(index + (e.key === 'ArrowDown' ? 1 : -1));
        }
      }}
    >
      <div role="cell">
        <button type="button" className="link-btn" tabIndex={-1} aria-label={`Show log of trial ${t.number}`} onClick={() => onSelect(t.number)}>
          {t.number}
        </button>
      </div>
      <div role="cell">
        <TrialStateBadge state={t.state} />
      </div>
      {objectives ? (
        objectives.labels.map((_, k) => (
          <div role="cell" key={`o${k}`} className="num" title={t.reason ?? undefined}>
            {fmtValue(objectiveValue(t, k))}
          </div>
        ))
      ) : (
        <div role="cell" className="num" title={t.reason ?? undefined}>
          {fmtValue(t.value)}
        </div>
      )}
      {objectives?.constrained ? <div role="cell">{t.feasible === undefined ? <span className="muted">—</span> : t.feasible ? 'yes' : <span className="error-text">no</span>}</div> : null}
      <div role="cell" className="num">
        {fmtDuration(t.durationMs)}
      </div>
      {paramNames.map((p) => (
        <div role="cell" key={p} className="num">
          {fmtParam(paramOf(t, p))}
        </div>
      ))}
      {attrKeys.map((k) => (
        <div role="cell" key={`attr:${k}`}>
          {fmtAttr(userAttrOf(t, k))}
        </div>
      ))}
      <div role="cell">
        {t.childRunId && storeId ? (
          <a href={href({ name: 'run', storeId, runId: t.childRunId })} aria-label={`Child run of trial ${t.number}`}>
            run ↗
          </a>
        ) : (
          <span className="muted">—</span>
        )}
      </div>
    </div>
  );
});
