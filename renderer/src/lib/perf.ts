// Performance marks the render benchmark reads (bench/renderTrials.ts): each is set once per page.
const done = new Set<string>();

export function markOnce(name: string): void {
  if (done.has(name)) return;
  done.add(name);
  performance.mark(name);
}

interface TaskScheduler {
  postTask(cb: () => void, opts: { priority: 'user-blocking' }): Promise<unknown>;
}

/** Runs `fn` in a new task once the current frame has been rendered: a task posted from inside
 * requestAnimationFrame runs after that frame's style, layout and paint. At user-blocking priority
 * (where the browser has scheduler.postTask) it does not queue behind the page's ordinary tasks
 * (React's passive effects, a deferred render), which would set a mark later than the paint. */
function afterThisFrame(fn: () => void): void {
  const sched = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler;
  if (sched && typeof sched.postTask === 'function') {
    void sched.postTask(fn, { priority: 'user-blocking' });
    return;
  }
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    ch.port1.close();
    fn();
  };
  ch.port2.postMessage(null);
}

/** Marks `name` once the next frame has been painted: requestAnimationFrame runs just before the
 * frame's style, layout and paint, and a task posted from it runs after them. (A mark set in the
 * animation frame itself, or right after creating a chart, would come before the drawing.) */
export function markAfterPaint(name: string, then?: () => void): void {
  if (done.has(name)) return;
  requestAnimationFrame(() =>
    afterThisFrame(() => {
      markOnce(name);
      then?.();
    }),
  );
}
