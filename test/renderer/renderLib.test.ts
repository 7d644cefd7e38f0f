// The renderer's pure helpers: the documented importance estimate and the hash router.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrialRow } from '../../shared/contract.ts';
import { paramImportance } from '../../renderer/src/lib/importance.ts';
import { href, parseRoute, type Route } from '../../renderer/src/lib/router.ts';

function trial(number: number, params: TrialRow['params'], value: number | null, state: TrialRow['state'] = 'COMPLETE'): TrialRow {
  return { trialId: number + 1, number, state, params, value, intermediate: [], startedAt: null, completedAt: null, durationMs: null, childRunId: null, reason: null };
}

/** Spearman's rho written the slow, obvious way (rank = 1 + #smaller + (#equal - 1) / 2), to check
 * the sorted-index ranking in importance.ts against, ties included. */
function naiveSpearman(xs: number[], ys: number[]): number {
  const rank = (v: number[]) => v.map((x) => 1 + v.filter((y) => y < x).length + (v.filter((y) => y === x).length - 1) / 2);
  const a = rank(xs);
  const b = rank(ys);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  a.forEach((x, i) => {
    sab += (x - ma) * (b[i]! - mb);
    saa += (x - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  });
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

describe('paramImportance', () => {
  it('numeric params get |Spearman rho| as the naive definition gives it, ties and missing values included', () => {
    const small = fc.integer({ min: -3, max: 3 }); // few distinct values: many ties
    fc.assert(
      fc.property(fc.array(fc.tuple(small, fc.option(small, { nil: undefined }), small), { minLength: 3, maxLength: 40 }), (pts) => {
        const trials = pts.map(([a, b, y], i) => trial(i, b === undefined ? { a } : { a, b }, y));
        const imp = paramImportance(trials, ['a', 'b']);
        const withB = pts.filter(([, b]) => b !== undefined);
        const expectA = Math.abs(naiveSpearman(pts.map((p) => p[0]), pts.map((p) => p[2])));
        expect(imp.find((x) => x.param === 'a')?.raw ?? 0).toBeCloseTo(expectA, 9);
        if (withB.length >= 3) {
          const expectB = Math.abs(naiveSpearman(withB.map((p) => p[1]!), withB.map((p) => p[2])));
          expect(imp.find((x) => x.param === 'b')?.raw).toBeCloseTo(expectB, 9);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a parameter that decides the objective outranks pure noise, and scores sum to 1', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const trials = Array.from({ length: 200 }, (_, i) => {
      const lr = rnd();
      const noise = rnd();
      return trial(i, { lr, noise }, Math.exp(lr * 3)); // monotone in lr, unrelated to noise
    });
    const imp = paramImportance(trials, ['lr', 'noise']);
    expect(imp.map((x) => x.param)).toEqual(['lr', 'noise']);
    expect(imp[0]!.raw).toBeCloseTo(1, 10); // Spearman of a monotone relation
    expect(imp[1]!.raw).toBeLessThan(0.2);
    expect(imp.reduce((s, x) => s + x.score, 0)).toBeCloseTo(1, 10);
  });

  it('a categorical choice that fully determines the value has eta 1; failed and NaN trials are ignored', () => {
    const trials = [
      ...Array.from({ length: 30 }, (_, i) => trial(i, { opt: ['a', 'b', 'c'][i % 3]!, x: i % 7 }, (i % 3) * 10)),
      trial(30, { opt: 'a', x: 1 }, null, 'FAIL'),
      trial(31, { opt: 'b', x: 2 }, NaN),
    ];
    const imp = paramImportance(trials, ['opt', 'x']);
    const opt = imp.find((x) => x.param === 'opt')!;
    expect(opt.method).toBe('eta');
    expect(opt.raw).toBeCloseTo(1, 10);
    expect(imp[0]!.param).toBe('opt');
  });

  it('needs at least 3 completed trials', () => {
    expect(paramImportance([trial(0, { a: 1 }, 1), trial(1, { a: 2 }, 2)], ['a'])).toEqual([]);
  });
});

describe('router', () => {
  const seg = fc.string({ minLength: 1, maxLength: 30 });
  const route: fc.Arbitrary<Route> = fc.oneof(
    fc.constant<Route>({ name: 'sweeps' }),
    fc.constant<Route>({ name: 'new' }),
    fc.constant<Route>({ name: 'settings' }),
    seg.map((id): Route => ({ name: 'sweep', id })),
    fc.array(seg, { maxLength: 5 }).map((ids): Route => ({ name: 'compare', ids })),
    fc.tuple(seg, seg).map(([storeId, runId]): Route => ({ name: 'run', storeId, runId })),
    fc.tuple(fc.option(seg, { nil: null }), fc.option(seg, { nil: null })).map(([s, e]): Route => ({ name: 'experiments', storeId: s, experimentId: s === null ? null : e })),
  );

  it('parseRoute(href(r)) gives r back for any ids (slashes, spaces, unicode included)', () => {
    fc.assert(
      fc.property(route, (r) => {
        expect(parseRoute(href(r))).toEqual(r);
      }),
    );
  });

  it('unknown or empty hashes land on the sweeps screen', () => {
    expect(parseRoute('')).toEqual({ name: 'sweeps' });
    expect(parseRoute('#/nope/x')).toEqual({ name: 'sweeps' });
    expect(parseRoute('#/sweep')).toEqual({ name: 'sweeps' });
    expect(parseRoute('#/compare')).toEqual({ name: 'compare', ids: [] });
  });
});
