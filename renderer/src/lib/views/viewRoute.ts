// The sweep detail's chosen view lives in the URL after the sweep's id (#/sweep/ID/slice), so a
// reload or a shared link opens the same view. The router reads only #/sweep/ID, so changing the
// view is not a change of screen (no focus move, no remount).

export const STUDY_VIEWS = [
  { id: 'history', label: 'History' },
  { id: 'intermediate', label: 'Intermediate values' },
  { id: 'parallel', label: 'Parallel coordinates' },
  { id: 'importance', label: 'Importance' },
  { id: 'slice', label: 'Slice' },
  { id: 'contour', label: 'Contour' },
  { id: 'edf', label: 'EDF' },
  { id: 'rank', label: 'Rank' },
  { id: 'timeline', label: 'Timeline' },
  // Shown for multi-objective studies only.
  { id: 'pareto', label: 'Pareto front' },
] as const;

export type StudyView = (typeof STUDY_VIEWS)[number]['id'];

const IDS: ReadonlySet<string> = new Set(STUDY_VIEWS.map((v) => v.id));

/** The view named in a #/sweep/ID/VIEW hash; 'history' when none or an unknown one is named. */
export function viewFromHash(hash: string): StudyView {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const v = parts[0] === 'sweep' ? parts[2] : undefined;
  return v !== undefined && IDS.has(v) ? (v as StudyView) : 'history';
}

/** The hash with its sweep route's view set to `view` (a hash of another route comes back as is). */
export function hashWithView(hash: string, view: StudyView): string {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] !== 'sweep' || !parts[1]) return hash;
  return `#/sweep/${parts[1]}/${view}`;
}
