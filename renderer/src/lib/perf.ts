// Performance marks the render benchmark reads (bench/renderTrials.ts): each is set once per page.
const done = new Set<string>();

export function markOnce(name: string): void {
  if (done.has(name)) return;
  done.add(name);
  performance.mark(name);
}
