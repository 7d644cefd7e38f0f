// The live trials table: virtualized (only the visible rows exist in the DOM), so 10,000 trials
// scroll smoothly. ARIA table roles keep it readable by screen readers and findable by tests.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { TrialScalars } from '../../../shared/contract.ts';
import { fmtDuration, fmtParam, fmtValue } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { firstViewDrawn } from '../lib/firstView.ts';
import { markAfterPaint } from '../lib/perf.ts';
import { afterQuiet, noteScroll, watchScroll } from '../lib/scrollQuiet.ts';
import { TrialStateBadge } from './StateBadge.tsx';
import { objectiveValue, type StudyObjectives } from '../lib/views/objectives.ts';

/** A param column sorts by that param (`param:<name>`). */
type SortKey = 'number' | 'value' | 'duration' | 'state' | `param:${string}` | `objective:${number}` | 'feasible';
const ROW_HEIGHT = 32;
/** More than the rows ever rendered at once (visible + overscan), so slot keys never collide. */
const ROW_SLOTS = 256;
/** The scroll box's height, fixed in styles.css (.trials-scroll). Given to the virtualizer up front,
 * the first render already has the visible rows; otherwise it renders none, measures the box in a
 * layout effect and renders again (a second render and layout on the way to the first draw). */
const SCROLL_HEIGHT = 420;

/** Memoised, so a re-render of the screen around it (a query arriving) leaves the table alone. */
export const TrialsTable = memo(function TrialsTable({
  trials,
  paramNames,
  storeId,
  selected,
  onSelect,
  objectives,
}: {
  trials: readonly TrialScalars[];
  paramNames: readonly string[];
  storeId: string | null;
  selected: number | null;
  onSelect: (n: number) => void;
  /** A multi-objective study: one value column per objective, and Feasible under constraints. */
  objectives?: Pick<StudyObjectives, 'labels' | 'constrained'>;
}) {
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'number', dir: 1 });
  const scrollRef = useRef<HTMLDivElement>(null);

  const rows = useMemo(() => {
    const get = (t: TrialScalars): number | string => {
      switch (sort.key) {
        case 'number':
          return t.number;
        case 'value':
          return t.value === null || Number.isNaN(t.value) ? Number.POSITIVE_INFINITY * sort.dir : t.value;
        case 'duration':
          return t.durationMs ?? Number.POSITIVE_INFINITY * sort.dir;
        case 'state':
          return t.state;
        case 'feasible':
          return t.feasible === undefined ? Number.POSITIVE_INFINITY * sort.dir : t.feasible ? 0 : 1;
        default: {
          if (sort.key.startsWith('objective:')) {
            const v = objectiveValue(t, Number(sort.key.slice('objective:'.length)));
            return v === null || Number.isNaN(v) ? Number.POSITIVE_INFINITY * sort.dir : v;
          }
          // A trial without the param (or with NaN) goes last either way, as an unset value does.
          const v = t.params[sort.key.slice('param:'.length)];
          if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return Number.POSITIVE_INFINITY * sort.dir;
          return typeof v === 'boolean' ? String(v) : v;
        }
      }
    };
    const copy = trials.slice();
    copy.sort((a, b) => {
      const x = get(a);
      const y = get(b);
      return (x < y ? -1 : x > y ? 1 : a.number - b.number) * sort.dir;
    });
    return copy;
  }, [trials, sort]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    initialRect: { width: 0, height: SCROLL_HEIGHT },
    // Rows have a fixed height, so few extra rows are needed; each one is DOM work on every frame
    // of a fast scroll.
    overscan: 4,
    // Render on React's normal schedule rather than synchronously inside each scroll event: one
    // commit per frame instead of one per event.
    useFlushSync: false,
  });

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
  const columns = `4.5rem 6.5rem ${valueColumns} ${objectives?.constrained ? '5.5rem ' : ''}6rem ${paramNames.map(() => 'minmax(6.5rem, 1fr)').join(' ')} 5rem`;
  const header = (key: SortKey, label: string, className?: string) => (
    <div role="columnheader" key={key} className={className} title={className ? label : undefined} aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-btn" onClick={() => setSort((s) => ({ key, dir: s.key === key ? ((-s.dir) as 1 | -1) : 1 }))}>
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </div>
  );

  return (
    <div className="trials" role="table" aria-label="Trials" aria-rowcount={rows.length + 1}>
      <div className="trials-head" role="rowgroup">
        <div className="trow trow-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: columns }}>
          {header('number', '#')}
          {header('state', 'State')}
          {objectives ? objectives.labels.map((l, k) => header(`objective:${k}`, l)) : header('value', 'Value')}
          {objectives?.constrained ? header('feasible', 'Feasible') : null}
          {header('duration', 'Duration')}
          {paramNames.map((p) => header(`param:${p}`, p, 'param-col'))}
          <div role="columnheader">Run</div>
        </div>
      </div>
      <div className="trials-scroll" ref={scrollRef} data-testid="trials-scroll" tabIndex={0} aria-label="Trials rows (scroll)" onWheel={noteScroll} onTouchMove={noteScroll} onKeyDown={noteScroll}>
        <div role="rowgroup" className="trials-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((v) => {
            const t = rows[v.index]!;
            // Keyed by slot, not by trial: a row leaving the view is reused for the one coming in
            // (text updated in place) instead of unmounting one and building another.
            return <TrialRowView key={v.index % ROW_SLOTS} t={t} index={v.index} start={v.start} columns={columns} paramNames={paramNames} storeId={storeId} selected={selected === t.number} onSelect={onSelect} onMove={moveTo} objectives={objectives} />;
          })}
        </div>
      </div>
    </div>
  );
});

/** One row; memoized so scrolling renders only the rows that come into view. */
const TrialRowView = memo(function TrialRowView({
  t,
  index,
  start,
  columns,
  paramNames,
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
          {fmtParam(t.params[p])}
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
