// afterQuiet also waits while the page itself scrolls (bringing the trials table into view moves the
// page, not the table): a page whose scroll position moved since last seen counts as scrolling, even
// before its scroll event has fired.
import { afterAll, describe, expect, it, vi } from 'vitest';

describe('afterQuiet and the page scroll', () => {
  const page = { scrollY: 0 };
  vi.stubGlobal('window', page);
  afterAll(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('holds work while the page has moved, then runs it 150 ms later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    vi.advanceTimersByTime(10_000);
    const { afterQuiet } = await import('../../renderer/src/lib/scrollQuiet.ts');
    let ran = false;
    afterQuiet(() => {
      ran = true;
    });
    page.scrollY = 400;
    vi.advanceTimersByTime(1);
    expect(ran).toBe(false);
    vi.advanceTimersByTime(150);
    expect(ran).toBe(true);
  });
});
