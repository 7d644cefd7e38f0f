// Performance marks the render benchmark reads (bench/bigStudy.ts): each is set once per page.
const done = new Set<string>();

export function markOnce(name: string): void {
  if (done.has(name)) return;
  done.add(name);
  performance.mark(name);
}

/** Runs `fn` in a new task once the current frame has been rendered: a message posted from inside
 * requestAnimationFrame is handled after that frame's style, layout and paint. (scheduler.postTask
 * at user-blocking priority set the marks sooner, ahead of React's passive effects and deferred
 * render, but that work then landed on the render bench's first scroll frames: up to 67 ms.) */
function afterThisFrame(fn: () => void): void {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    ch.port1.close();
    fn();
  };
  ch.port2.postMessage(null);
}

/** Runs `fn` once the next frame has been painted: requestAnimationFrame runs just before the
 * frame's style, layout and paint, and a task posted from it runs after them. Returns a cancel. */
export function afterPaint(fn: () => void): () => void {
  let live = true;
  const frame = requestAnimationFrame(() =>
    afterThisFrame(() => {
      if (live) fn();
    }),
  );
  return () => {
    live = false;
    cancelAnimationFrame(frame);
  };
}

/** Marks `name` once the next frame has been painted. (A mark set in the animation frame itself, or
 * right after creating a chart, would come before the drawing.) */
export function markAfterPaint(name: string, then?: () => void): void {
  if (done.has(name)) return;
  afterPaint(() => {
    markOnce(name);
    then?.();
  });
}
