// The Experiments screen's runs table (runs.table): the host keeps each open experiment's runs as
// columns (core/tracking/runViews/runTable.ts) and answers pages, sorts and filters from them. A
// local SQLite store is read lazily (its runs at once, each other column when first needed, a page's
// runs whole from the store) and its copy is kept until the store changes
// (its revision: any commit, by this process or another); other stores are read through their
// search, page by page, and their copy is used only for the pages of a table the screen already shows
// from it (the request names its revision), so opening the table again reads the store again.
import type { ChannelOutput, ParsedInput, Run } from '../../shared/contract.ts';
import { bestOf, columnOf, type BestOf } from '../../shared/runCells.ts';
import { canSummarizeMetrics } from '../core/tracking/runViews/metricSummaries.ts';
import { columnsOfRuns, type RunColumns } from '../core/tracking/runViews/runColumns.ts';
import { RunTable } from '../core/tracking/runViews/runTable.ts';
import type { TrackingStore } from '../core/tracking/types.ts';
import { AppFault } from './appError.ts';
import { appRun, mirroredFields } from './trackingService.ts';
import type { StoreSource } from './runViewsService.ts';

/** Stores that read an experiment's runs as columns and say when they changed (SQLite). */
interface ColumnarStore {
  experimentRunColumns(experimentId: string): Promise<RunColumns | null>;
  revision(): string;
}

const isColumnar = (s: TrackingStore): s is TrackingStore & ColumnarStore =>
  typeof (s as Partial<ColumnarStore>).experimentRunColumns === 'function' && typeof (s as Partial<ColumnarStore>).revision === 'function';

/** Experiments kept: 100,000 runs as columns are tens of MB. */
const KEEP = 3;
const PAGE = 50_000;

interface Held {
  revision: string;
  table: Promise<{ table: RunTable; mirrored: Mirrored }>;
}

type Mirrored = ReturnType<typeof mirroredFields>;

/** The runs through the store's search, and whether they came from an offline mirror (said on the screen). */
async function searchedColumns(store: TrackingStore, experimentId: string): Promise<{ columns: RunColumns; mirrored: Mirrored }> {
  const runs: Run[] = [];
  let pageToken: string | undefined;
  let mirrored: Mirrored;
  do {
    const page = await store.searchRuns({ experimentIds: [experimentId], maxResults: PAGE, ...(pageToken ? { pageToken } : {}) });
    for (const r of page.items) runs.push(appRun(r));
    mirrored = mirroredFields(page);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return { columns: columnsOfRuns(experimentId, runs), mirrored };
}

export class RunTableService {
  private readonly held = new Map<string, Held>();
  private reads = 0;

  constructor(private readonly stores: StoreSource) {}

  private async table(storeId: string, experimentId: string, shown: string | undefined): Promise<{ table: RunTable; mirrored: Mirrored; revision: string }> {
    const store = await this.stores.store(storeId);
    const key = `${storeId}\u0000${experimentId}`;
    let h = this.held.get(key);
    const revision = isColumnar(store) ? `s${store.revision()}` : h && shown === h.revision ? h.revision : `r${++this.reads}`;
    if (!h || h.revision !== revision) {
      if (h) this.drop(key, h);
      const read = isColumnar(store) ? store.experimentRunColumns(experimentId).then((c) => ({ columns: c ?? columnsOfRuns(experimentId, []), mirrored: {} })) : searchedColumns(store, experimentId);
      const table = read.then(({ columns, mirrored }) => {
        // The best-of columns are read once, when a sort first needs them.
        let best: Promise<BestOf | undefined> | null = null;
        const readBest = () =>
          (best ??= canSummarizeMetrics(store) && columns.ids.length > 0 ? store.metricSummaries(columns.ids).then(bestOf) : Promise.resolve(undefined));
        return { table: new RunTable(columns, readBest), mirrored };
      });
      h = { revision, table };
      // A failed read is not kept: the next page asks the store again.
      table.catch(() => this.held.get(key) === h && this.held.delete(key));
      if (this.held.size >= KEEP) {
        const oldest = this.held.keys().next().value as string;
        this.drop(oldest, this.held.get(oldest)!);
      }
      this.held.set(key, h);
    }
    return { ...(await h.table), revision };
  }

  /** Forgets a table and stops its reading ahead. */
  private drop(key: string, h: Held): void {
    this.held.delete(key);
    // A failed read has nothing to stop (and was reported to the page that asked).
    h.table.then(({ table }) => table.stop(), () => undefined);
  }

  /** Requests being answered: reading ahead waits for them. */
  private answering = 0;
  private readonly busy = () => this.answering > 0;

  private async answer<T>(work: () => Promise<T>): Promise<T> {
    this.answering++;
    try {
      return await work();
    } finally {
      this.answering--;
    }
  }

  async page(input: ParsedInput<'runs.table'>): Promise<ChannelOutput<'runs.table'>> {
    return this.answer(() => this.pageNow(input));
  }

  async chart(input: ParsedInput<'runs.tableChart'>): Promise<ChannelOutput<'runs.tableChart'>> {
    return this.answer(() => this.chartNow(input));
  }

  private async pageNow(input: ParsedInput<'runs.table'>): Promise<ChannelOutput<'runs.table'>> {
    const sort = columnOf(input.sort.column);
    if (!sort) throw new AppFault('INVALID_INPUT', `runs.table: sort column '${input.sort.column}' is not one of attr.name, attr.status, attr.start, attr.duration, metrics.KEY, params.KEY, tags.KEY, min.KEY or max.KEY.`);
    const { table, mirrored, revision } = await this.table(input.storeId, input.experimentId, input.revision);
    const layout = await table.layout(input.filter ?? '', sort, input.sort.descending, new Set(input.expanded));
    const end = Math.min(layout.index.length, input.offset + input.limit);
    const at = Array.from(layout.index.subarray(Math.min(input.offset, end), end));
    const runs = await table.rows(at);
    const rows: ChannelOutput<'runs.table'>['rows'] = at.map((i, k) => ({ run: runs[k]!, depth: layout.depth[input.offset + k]!, children: layout.kids.get(i) ?? 0 }));
    // The columns not read yet are read while the screen draws this page.
    table.warm(this.busy);
    return { revision, total: layout.index.length, matching: layout.matching, runs: table.size, keys: table.keys(), rows, ...mirrored };
  }

  private async chartNow(input: ParsedInput<'runs.tableChart'>): Promise<ChannelOutput<'runs.tableChart'>> {
    const { table, revision } = await this.table(input.storeId, input.experimentId, input.revision);
    const { x, y, matching } = await table.points(input.filter ?? '', input.metric);
    return { revision, metric: input.metric, matching, x, y };
  }
}
