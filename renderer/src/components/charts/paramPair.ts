// What the study views that plot params share: their props, and the choice of two params (the
// user's picks while they still exist in the study, else the first two).
import { useState } from 'react';
import type { TrialScalars } from '../../../../shared/contract.ts';
import type { Distribution } from '../../lib/views/paramCoords.ts';

export interface ParamViewProps {
  trials: readonly TrialScalars[];
  params: readonly string[];
  distributions: Record<string, Distribution>;
  metric: string | null;
  direction: 'minimize' | 'maximize' | null;
}

export function useParamPair(params: readonly string[]): { px: string | null; py: string | null; setX: (p: string) => void; setY: (p: string) => void } {
  const [pickX, setX] = useState<string | null>(null);
  const [pickY, setY] = useState<string | null>(null);
  const px = pickX !== null && params.includes(pickX) ? pickX : (params[0] ?? null);
  const py = pickY !== null && params.includes(pickY) ? pickY : (params.find((p) => p !== px) ?? null);
  return { px, py, setX, setY };
}
