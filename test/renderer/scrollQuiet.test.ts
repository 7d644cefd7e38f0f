// afterQuiet holds work while the trials table scrolls. A scroll that has just begun has not fired
// its scroll event yet (that comes with the next frame), so the watched box's position is checked
// too: work due in that gap used to run in the middle of the scroll (a 100-180 ms frame).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { afterQuiet, noteScroll, watchScroll } from '../../renderer/src/lib/scrollQuiet.ts';

// The module remembers the last scroll; each test's fake clock starts well past the one before.
let epoch = 0;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  vi.advanceTimersByTime(10_000 * ++epoch);
});
afterEach(() => vi.useRealTimers());

describe('afterQuiet', () => {
  it('runs at once when nothing scrolls, and waits 150 ms after a scroll event', () => {
    const ran: number[] = [];
    afterQuiet(() => ran.push(performance.now()));
    vi.advanceTimersByTime(1);
    expect(ran).toHaveLength(1);
    noteScroll();
    const t = performance.now();
    afterQuiet(() => ran.push(performance.now()));
    vi.advanceTimersByTime(149);
    expect(ran).toHaveLength(1);
    vi.advanceTimersByTime(2);
    expect(ran).toHaveLength(2);
    expect(ran[1]! - t).toBeGreaterThanOrEqual(150);
  });

  it('waits when the watched box has moved though its scroll event has not fired yet', () => {
    const box = { scrollTop: 0 } as HTMLElement;
    const unwatch = watchScroll(box);
    let ran = false;
    afterQuiet(() => {
      ran = true;
    });
    box.scrollTop = 128; // the scroll began; no scroll event yet
    vi.advanceTimersByTime(1);
    expect(ran).toBe(false);
    vi.advanceTimersByTime(150);
    expect(ran).toBe(true);
    unwatch();
  });

  it('can be cancelled', () => {
    let ran = false;
    const cancel = afterQuiet(() => {
      ran = true;
    });
    cancel();
    vi.advanceTimersByTime(500);
    expect(ran).toBe(false);
  });
});
