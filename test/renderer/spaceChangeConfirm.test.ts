// The confirm shown before resuming with another search space: the differences, one per line, with
// Resume anyway and Cancel; a change Optuna refuses has no Resume anyway.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { SpaceDiffReply } from '../../shared/contract.ts';
import { SpaceChangeConfirm, spaceDiffOf } from '../../renderer/src/components/SpaceChangeConfirm.tsx';

const noop = (): void => undefined;
const render = (diff: SpaceDiffReply): string => renderToStaticMarkup(createElement(SpaceChangeConfirm, { diff, label: 'tiny', busy: false, onResume: noop, onCancel: noop }));

const widened: SpaceDiffReply = {
  studyPath: '/s/study.db',
  studyName: 'hpo_tiny',
  changes: [
    { param: 'learning_rate', change: 'changed', text: 'learning_rate: range 1e-5..1e-2 → 1e-6..1e-1' },
    { param: 'weight_decay', change: 'removed', text: "weight_decay: removed — trials keep their values; new trials won't sample it" },
  ],
  refused: false,
};

describe('the search-space confirm', () => {
  it('lists each difference and offers Resume anyway and Cancel', () => {
    const html = render(widened);
    expect(html).toContain('role="alertdialog"');
    expect(html).toContain('<li data-change="changed">learning_rate: range 1e-5..1e-2 → 1e-6..1e-1</li>');
    expect(html).toContain('<li data-change="removed">weight_decay: removed — trials keep their values; new trials won&#x27;t sample it</li>');
    expect(html).toContain('aria-label="Resume tiny anyway"');
    expect(html).toContain('aria-label="Cancel resuming tiny"');
  });

  it('a refused change has no Resume anyway', () => {
    const html = render({ ...widened, changes: [{ param: 'epochs', change: 'incompatible', text: 'epochs: the study holds it as int, the config makes it float' }], refused: true });
    expect(html).toContain('tiny cannot resume with this config');
    expect(html).not.toContain('Resume tiny anyway');
    expect(html).toContain('aria-label="Cancel resuming tiny"');
  });

  it('reads the difference a refused resume carries', () => {
    expect(spaceDiffOf({ code: 'CONFLICT', details: { spaceDiff: widened } })).toEqual(widened);
    expect(spaceDiffOf({ code: 'CONFLICT', details: { needsConfig: true } })).toBeNull();
    expect(spaceDiffOf(null)).toBeNull();
  });
});
