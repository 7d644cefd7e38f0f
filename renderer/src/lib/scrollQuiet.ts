// Work that can wait (the heavier charts) waits while the page or the trials table is being
// scrolled: a chart drawn between two frames of a scroll makes that frame late. Every scroll event
// on the page is noted (a capturing listener: scroll events do not bubble), and the table notes each
// wheel, touch or key that starts one; afterQuiet runs a task once no scroll has happened for a moment.
const QUIET_MS = 150;
let lastScroll = -Infinity;
/** The scroll box being watched, and its scroll position when last seen. */
let box: { el: HTMLElement; top: number } | null = null;

export function noteScroll(): void {
  lastScroll = performance.now();
}

if (typeof document !== 'undefined') document.addEventListener('scroll', noteScroll, { capture: true, passive: true });
/** The page's own scroll position when last seen (see watchScroll). */
let pageTop = typeof window === 'undefined' ? 0 : window.scrollY;

/** Watches `el`'s scroll position too: the scroll event of a scroll that has just begun comes only
 * with the next frame, and a task due in between would otherwise take the table for quiet and run
 * in the middle of it. Returns an unwatch. */
export function watchScroll(el: HTMLElement): () => void {
  box = { el, top: el.scrollTop };
  return () => {
    if (box?.el === el) box = null;
  };
}

function movedSinceSeen(): boolean {
  let moved = false;
  if (typeof window !== 'undefined' && window.scrollY !== pageTop) {
    pageTop = window.scrollY;
    moved = true;
  }
  if (box && box.el.scrollTop !== box.top) {
    box.top = box.el.scrollTop;
    moved = true;
  }
  return moved;
}

/** Runs `fn` in a new task once neither the page nor the table has scrolled for QUIET_MS. Returns a
 * cancel. */
export function afterQuiet(fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = (): void => {
    if (movedSinceSeen()) noteScroll();
    const wait = lastScroll + QUIET_MS - performance.now();
    timer = wait > 0 ? setTimeout(check, wait) : undefined;
    if (wait <= 0) fn();
  };
  timer = setTimeout(check, 0);
  return () => clearTimeout(timer);
}
