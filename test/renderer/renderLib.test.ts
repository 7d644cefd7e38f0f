// The renderer's pure helpers: the hash router (the importance has its own test, pedAnova.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { href, parseRoute, type Route } from '../../renderer/src/lib/router.ts';

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
