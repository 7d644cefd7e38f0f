// The colours the analysis views share: a poor-to-good scale (blue to amber, as in the parallel
// coordinates) and one colour per trial state.
import type { TrialScalars } from '../../../../shared/contract.ts';

/** The scale's colour at `good` in [0, 1] (0 = poorest, 1 = best). */
export function goodRgb(good: number): [number, number, number] {
  const g = Math.max(0, Math.min(1, good));
  return [Math.round(91 + g * (245 - 91)), Math.round(141 + g * (158 - 141)), Math.round(239 + g * (11 - 239))];
}

export const STATE_RGB: Record<TrialScalars['state'], readonly [number, number, number]> = {
  COMPLETE: [0x5b, 0x8d, 0xef],
  PRUNED: [0xf5, 0x9e, 0x0b],
  FAIL: [0xef, 0x44, 0x44],
  RUNNING: [0x10, 0xb9, 0x81],
  WAITING: [0x9c, 0xa3, 0xaf],
};
