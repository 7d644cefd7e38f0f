// A value that keeps its identity while its content stays the same: a live update re-reads the
// sweep (a new `distributions` object) and the trials (a new list of param names) every few
// seconds, and each new-but-equal object would make every view that depends on it compute again
// over all the trials.
import { useRef } from 'react';

/** `value`, or the earlier one when it has the same JSON (small values only: params, names). */
export function useSameContent<T>(value: T): T {
  const held = useRef<{ value: T; json: string } | null>(null);
  const json = JSON.stringify(value) ?? '';
  if (held.current === null || held.current.json !== json) held.current = { value, json };
  return held.current.value;
}
