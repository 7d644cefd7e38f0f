// MLflow's filter grammar: what parses to what, which strings are refused with which message, and a
// differential check that the SQL the SQLite store compiles selects and orders runs exactly as the
// in-memory evaluator (used by the file store) does, over random runs and random queries.
import fc from 'fast-check';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareRunsBy,
  decodePageToken,
  encodePageToken,
  parseExperimentFilter,
  parseRunFilter,
  parseRunOrderBy,
  runMatches,
} from '../../../electron/core/tracking/searchFilter.ts';
import { openSqliteStore, type SqliteTrackingStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { Run } from '../../../electron/core/tracking/types.ts';
import { tempDir } from './storeSupport.ts';

describe('parsing filters', () => {
  it('reads the filters MLflow clients send', () => {
    expect(parseRunFilter("tags.mlflow.parentRunId = '41ab'")).toEqual([{ type: 'tag', key: 'mlflow.parentRunId', comparator: '=', value: '41ab' }]);
    expect(parseRunFilter("params.backbone = 'distilbert' and attributes.status = 'FINISHED'")).toEqual([
      { type: 'parameter', key: 'backbone', comparator: '=', value: 'distilbert' },
      { type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' },
    ]);
    expect(parseRunFilter('metrics.`macro-f1` >= 0.5 AND metric.loss < -1e-3')).toEqual([
      { type: 'metric', key: 'macro-f1', comparator: '>=', value: 0.5 },
      { type: 'metric', key: 'loss', comparator: '<', value: -0.001 },
    ]);
    expect(parseRunFilter('tags."my tag" LIKE \'a%\' AND param.x ILIKE "B_"')).toEqual([
      { type: 'tag', key: 'my tag', comparator: 'LIKE', value: 'a%' },
      { type: 'parameter', key: 'x', comparator: 'ILIKE', value: 'B_' },
    ]);
    expect(parseRunFilter("attributes.run_id IN ('a', 'b') and run_name != 'x' and created > 5")).toEqual([
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] },
      { type: 'attribute', key: 'run_name', comparator: '!=', value: 'x' },
      { type: 'attribute', key: 'start_time', comparator: '>', value: 5 },
    ]);
    expect(parseRunFilter("attributes.run_id NOT IN ('a')")[0]).toMatchObject({ comparator: 'NOT IN', value: ['a'] });
    expect(parseRunFilter('')).toEqual([]);
    expect(parseRunFilter('   ')).toEqual([]);
  });

  it('refuses bad filters with INVALID_PARAMETER_VALUE naming the bad part', () => {
    const cases: [string, string | RegExp][] = [
      ['metrics.x >>> 1', "Invalid comparator '>>>' not one of '{'=', '>=', '!=', '<', '>', '<='}"],
      ["metrics.loss > 0 OR params.lr = '1'", "Invalid clause(s) in filter string: 'OR'"],
      ["params.lr > '1'", /Invalid comparator '>' not one of/],
      ["metrics.loss = 'high'", 'Expected numeric value type for metric. Found \'high\''],
      ['params.lr = 1', /Expected a quoted string value for parameter .*Got value 1/],
      ["foo.bar = 'x'", /Invalid entity type 'foo'/],
      ["attributes.color = 'x'", /Invalid attribute key 'color' specified/],
      ["attributes.status IN ('a')", /Only the 'run_id' attribute supports comparison with a list/],
      ["params.lr = 'unterminated", /unterminated string/],
      ["(params.lr = '1')", /Invalid clause\(s\) in filter string: '\('/],
      ['metrics.loss', /without a comparator/],
      ["params.a = 'x' params.b = 'y'", /Invalid clause\(s\) in filter string: 'params\.b'/],
      ["datasets.name = 'x'", /not supported/],
    ];
    for (const [filter, msg] of cases) {
      let err: unknown;
      try {
        parseRunFilter(filter);
      } catch (e) {
        err = e;
      }
      expect(err, filter).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      if (typeof msg === 'string') expect((err as Error).message, filter).toBe(msg);
      else expect((err as Error).message, filter).toMatch(msg);
    }
  });

  it('reads order_by clauses and refuses duplicates and unknown attributes', () => {
    expect(parseRunOrderBy(['metrics.`macro-f1` DESC', 'params.lr', 'attributes.start_time asc', 'tags.t DESC'])).toEqual([
      { type: 'metric', key: 'macro-f1', ascending: false },
      { type: 'parameter', key: 'lr', ascending: true },
      { type: 'attribute', key: 'start_time', ascending: true },
      { type: 'tag', key: 't', ascending: false },
    ]);
    expect(() => parseRunOrderBy(['metrics.m', 'metrics.m DESC'])).toThrow(/duplicate fields/);
    expect(() => parseRunOrderBy(['attributes.nope'])).toThrow(/Invalid attribute key 'nope'/);
    expect(() => parseRunOrderBy(['metrics.m sideways'])).toThrow(/Could not be parsed/);
  });

  it('reads experiment filters', () => {
    expect(parseExperimentFilter("name LIKE 'resume%'")).toEqual([{ type: 'attribute', key: 'name', comparator: 'LIKE', value: 'resume%' }]);
    expect(parseExperimentFilter("tags.project = 'x' and creation_time > 10")).toHaveLength(2);
    expect(() => parseExperimentFilter("name > 'a'")).toThrow(/Invalid comparator for string attribute: >/);
  });

  it("page tokens are MLflow's base64 JSON offsets and garbage is refused", () => {
    expect(encodePageToken(1)).toBe('eyJvZmZzZXQiOiAxfQ==');
    expect(decodePageToken('eyJvZmZzZXQiOiAxfQ==')).toBe(1);
    expect(decodePageToken(undefined)).toBe(0);
    expect(() => decodePageToken(Buffer.from('{"offset": -3}').toString('base64'))).toThrow(/non-negative integer/);
    expect(() => decodePageToken('%%%')).toThrow(/Invalid page token/);
  });
});

describe('SQL compiled by the SQLite store agrees with the in-memory evaluator', () => {
  let store: SqliteTrackingStore;
  let expId: string;
  let runs: Run[];
  const VALUES = ['a', 'ab', 'B', 'ba', 'a_b', 'A%'];

  beforeAll(async () => {
    store = openSqliteStore(path.join(tempDir(), 'diff.db'), { create: true });
    expId = await store.createExperiment('diff');
    const other = await store.createExperiment('other');
    const gen = fc.array(
      fc.record({
        start: fc.integer({ min: 0, max: 20 }),
        p: fc.option(fc.constantFrom(...VALUES), { nil: undefined }),
        t: fc.option(fc.constantFrom(...VALUES), { nil: undefined }),
        m: fc.option(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(NaN), fc.constant(Infinity), fc.double({ min: -2, max: 2, noNaN: true })), { nil: undefined }),
        n: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        status: fc.constantFrom('RUNNING', 'FINISHED', 'FAILED'),
        deleted: fc.boolean(),
        end: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
      }),
      { minLength: 60, maxLength: 60 },
    );
    const specs = fc.sample(gen, { numRuns: 1, seed: 42 })[0]!;
    for (const [i, s] of specs.entries()) {
      const r = await store.createRun({ experimentId: i % 10 === 9 ? other : expId, runName: `run${i % 7}`, startTime: s.start });
      const id = r.info.run_id;
      await store.logBatch(id, {
        params: s.p === undefined ? [] : [{ key: 'p', value: s.p }],
        tags: s.t === undefined ? [] : [{ key: 't', value: s.t }],
        metrics: [...(s.m === undefined ? [] : [{ key: 'm', value: s.m, timestamp: 1, step: 0 }]), ...(s.n === undefined ? [] : [{ key: 'n', value: s.n, timestamp: 1, step: 0 }])],
      });
      await store.updateRun(id, { status: s.status as 'RUNNING', endTime: s.end });
      if (s.deleted) await store.deleteRun(id);
    }
    const page = await store.searchRuns({ experimentIds: [expId, other], runViewType: 'ALL', maxResults: 1000 });
    runs = page.items;
    expect(runs).toHaveLength(60);
  });
  afterAll(async () => {
    await store.close();
  });

  const str = fc.constantFrom(...VALUES, 'zz', '%a%', '_', 'A%', '%');
  const clause = fc.oneof(
    fc.tuple(fc.constantFrom('params.p', 'tags.t', 'attributes.run_name', 'attributes.status'), fc.constantFrom('=', '!=', 'LIKE', 'ILIKE'), str).map(([k, op, v]) => `${k} ${op} '${v}'`),
    fc.tuple(fc.constantFrom('metrics.m', 'metrics.n', 'attributes.start_time', 'attributes.end_time'), fc.constantFrom('=', '!=', '<', '<=', '>', '>='), fc.integer({ min: -3, max: 20 })).map(([k, op, v]) => `${k} ${op} ${v}`),
    fc.constantFrom("attributes.run_id IN ('$0', '$1', '$2')", "attributes.run_id NOT IN ('$3')", "attributes.status = 'FINISHED'"),
  );
  const order = fc.array(
    fc.tuple(fc.constantFrom('metrics.m', 'metrics.n', 'params.p', 'tags.t', 'attributes.start_time', 'attributes.end_time', 'attributes.run_name', 'attributes.status'), fc.constantFrom('', ' ASC', ' DESC')),
    { maxLength: 3 },
  ).map((list) => {
    const seen = new Set<string>();
    return list.filter(([k]) => !seen.has(k) && seen.add(k)).map(([k, d]) => `${k}${d}`);
  });

  it('same runs in the same order for random filters, orders, views and pages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(clause, { maxLength: 3 }), order, fc.constantFrom('ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'), fc.integer({ min: 1, max: 70 }), async (clauses, orderBy, view, maxResults) => {
        const filter = clauses.join(' AND ').replace(/\$(\d)/g, (_m, d: string) => runs[Number(d) * 2]!.info.run_id);
        const comparisons = parseRunFilter(filter);
        const expected = runs
          .filter((r) => r.info.experiment_id === expId)
          .filter((r) => view === 'ALL' || (view === 'DELETED_ONLY') === (r.info.lifecycle_stage === 'deleted'))
          .filter((r) => runMatches(r, comparisons))
          .sort(compareRunsBy(parseRunOrderBy(orderBy)))
          .map((r) => r.info.run_id);
        const got: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.searchRuns({ experimentIds: [expId], filter, orderBy, runViewType: view, maxResults, pageToken: token });
          got.push(...page.items.map((r) => r.info.run_id));
          token = page.items.length > 0 ? page.nextPageToken : undefined;
        } while (token);
        expect(got, `filter=${filter} orderBy=${JSON.stringify(orderBy)} view=${view}`).toEqual(expected);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
