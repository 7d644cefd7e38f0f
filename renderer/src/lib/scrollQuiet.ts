// Work that can wait (the heavier charts) waits while the trials table is being scrolled: a chart
// drawn between two frames of a scroll makes that frame late. The table notes each scroll event;
// afterQuiet runs a task once no scroll has happened for a moment.
const QUIET_MS = 150;
let lastScroll = -Infinity;

export function noteScroll(): void {
  lastScroll = performance.now();
}

/** Runs `fn` in a new task once the table has not scrolled for QUIET_MS. Returns a cancel. */
export function afterQuiet(fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = (): void => {
    const wait = lastScroll + QUIET_MS - performance.now();
    timer = wait > 0 ? setTimeout(check, wait) : undefined;
    if (wait <= 0) fn();
  };
  timer = setTimeout(check, 0);
  return () => clearTimeout(timer);
}
