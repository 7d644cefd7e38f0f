// Performance marks the render benchmark reads (bench/renderTrials.ts): each is set once per page.
const done = new Set<string>();

export function markOnce(name: string): void {
  if (done.has(name)) return;
  done.add(name);
  performance.mark(name);
}

/** Marks `name` once the next frame has been painted: requestAnimationFrame runs just before the
 * frame's style, layout and paint, and a message posted from it is handled after them. (A mark set
 * in the animation frame itself, or right after creating a chart, would come before the drawing.) */
export function markAfterPaint(name: string, then?: () => void): void {
  if (done.has(name)) return;
  requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      markOnce(name);
      then?.();
    };
    ch.port2.postMessage(null);
  });
}
