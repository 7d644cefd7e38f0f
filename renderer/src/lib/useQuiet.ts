// Hooks for work a chart does after the first draw: it runs in a task of its own once nothing has
// been scrolled for a moment (lib/scrollQuiet.ts), not inside whatever render or reply happens to
// land between two frames of a scroll.
import { useEffect, useState, type DependencyList } from 'react';
import { afterQuiet } from './scrollQuiet.ts';

/** `compute()`'s result, computed in its own quiet task after each change of `deps`; undefined until
 * the first one is done, then the last one while the next waits. */
export function useQuietMemo<T>(compute: () => T, deps: DependencyList): T | undefined {
  const [value, setValue] = useState<{ v: T } | null>(null);
  useEffect(
    () => afterQuiet(() => setValue({ v: compute() })),
    // The caller's deps are what compute reads, as with useMemo.
    deps,
  );
  return value?.v;
}

/** `value`, but a new one only once nothing is being scrolled; the first one at once. */
export function useQuietValue<T>(value: T | undefined): T | undefined {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    if (value === shown) return;
    return afterQuiet(() => setShown(value));
  }, [value, shown]);
  return shown;
}
