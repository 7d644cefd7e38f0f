// Helpers of the run views: the tag filter a click on a tag value applies (checked against the
// store's MLflow filter on the 2.22 fixture), best-of cells and their sorting, and CSV/TSV splitting
// for the artifact table view.
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { Run } from '../../shared/contract.ts';
import { parseDelimited } from '../../renderer/src/lib/delimited.ts';
import { bestOf, cellValue, compareCells, tagFilter } from '../../renderer/src/lib/runs.ts';
import { FIXTURE_DBS } from '../tracking/stores/storeSupport.ts';

const store = openSqliteStore(FIXTURE_DBS['2.22'], { readOnly: true });
afterAll(() => store.close());

describe('tag filter', () => {
  it('is MLflow filter text the store understands', async () => {
    expect(tagFilter('trial_number', '1')).toBe("tags.`trial_number` = '1'");
    const page = await store.searchRuns({ experimentIds: ['1'], filter: tagFilter('trial_number', '1') });
    expect(page.items.map((r) => r.info.run_name)).toEqual(['trial_1']);
    const named = await store.searchRuns({ experimentIds: ['1'], filter: tagFilter('mlflow.runName', 'trial_2') });
    expect(named.items.map((r) => r.info.run_id)).toEqual(['7979f1f644b54308bbdfabea1abe3e3f']);
  });

  it("quotes a value holding ' with double quotes", async () => {
    expect(tagFilter('note', "it's fine")).toBe('tags.`note` = "it\'s fine"');
    const page = await store.searchRuns({ experimentIds: ['1'], filter: tagFilter('note', "it's fine") });
    expect(page.items).toEqual([]);
  });
});

describe('best-of cells', () => {
  const run = (id: string): Run => ({ info: { run_id: id, run_uuid: id, run_name: id, experiment_id: '1', user_id: '', status: 'FINISHED', start_time: 0, artifact_uri: '', lifecycle_stage: 'active' }, data: {} });
  const best = bestOf([
    { runId: 'a', key: 'f1', min: 0.5, max: 0.9 },
    { runId: 'b', key: 'f1', min: 0.2, max: null },
  ]);

  it('reads min or max of the run, undefined when absent, and sorts absent values last', () => {
    expect(cellValue(run('a'), { kind: 'best', key: 'f1', of: 'max' }, best)).toBe(0.9);
    expect(cellValue(run('b'), { kind: 'best', key: 'f1', of: 'min' }, best)).toBe(0.2);
    expect(cellValue(run('b'), { kind: 'best', key: 'f1', of: 'max' }, best)).toBeUndefined();
    expect(cellValue(run('c'), { kind: 'best', key: 'f1', of: 'max' }, best)).toBeUndefined();
    expect(cellValue(run('a'), { kind: 'best', key: 'f1', of: 'max' })).toBeUndefined();
    const vals = ['c', 'a', 'b'].map((id) => cellValue(run(id), { kind: 'best', key: 'f1', of: 'min' }, best));
    expect(vals.slice().sort(compareCells)).toEqual([0.2, 0.5, undefined]);
  });
});

describe('CSV and TSV', () => {
  it('splits quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseDelimited('a,b\n"x, y","say ""hi"""\r\n"two\nlines",3\n', ',', 10)).toEqual({
      rows: [
        ['a', 'b'],
        ['x, y', 'say "hi"'],
        ['two\nlines', '3'],
      ],
      more: false,
    });
    expect(parseDelimited('a\tb\n1\t2', '\t', 10)).toEqual({ rows: [['a', 'b'], ['1', '2']], more: false });
  });

  it('keeps at most maxRows rows and says there are more', () => {
    expect(parseDelimited('h\n1\n2\n3\n', ',', 2)).toEqual({ rows: [['h'], ['1']], more: true });
    expect(parseDelimited('h\n1\n', ',', 2)).toEqual({ rows: [['h'], ['1']], more: false });
  });
});
