// The Stop button reaches only this app's own runner. A sweep another process runs (its
// heartbeats fresh) is shown running, but its Stop is disabled and says where it runs, instead
// of a button that answers CONFLICT.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../shared/client.ts';
import type { SweepSummary } from '../../shared/contract.ts';
import { ClientProvider } from '../../renderer/src/api/clientContext.tsx';
import { SweepActions } from '../../renderer/src/components/SweepActions.tsx';

const base: SweepSummary = {
  id: 'sw_1',
  source: 'app',
  state: 'running',
  runsHere: true,
  studyName: 'tiny',
  studyPath: '/studies/tiny.db',
  configPath: '/studies/hpo.yaml',
  outputDir: null,
  backbone: null,
  experimentName: null,
  direction: 'maximize',
  objectiveMetric: 'f1',
  maxTrials: 4,
  finishedTrials: 1,
  counts: { RUNNING: 1, COMPLETE: 1, PRUNED: 0, FAIL: 0, WAITING: 0 },
  best: null,
  tracking: { storeUri: null, experimentId: null, parentRunId: null },
  message: null,
  updatedAt: 0,
};

// Rendering never calls the client; a call would be a bug in this test's premise.
const client = new Proxy({}, { get: () => () => { throw new Error('no client call expected while rendering'); } }) as unknown as Client;

function stopButton(sweep: SweepSummary): string {
  // createElement, not JSX: the suite's files are .ts.
  const html = renderToStaticMarkup(
    createElement(ClientProvider, { client, children: createElement(QueryClientProvider, { client: new QueryClient() }, createElement(SweepActions, { sweep })) }),
  );
  const m = /<button[^>]*aria-label="Stop tiny"[^>]*>[^<]*<\/button>/.exec(html);
  if (!m) throw new Error(`no Stop button in ${html}`);
  return m[0];
}

describe('the Stop button of a running sweep', () => {
  it('is enabled when this app runs the sweep', () => {
    expect(stopButton(base)).not.toMatch(/disabled/);
  });

  it('is disabled, with a title saying it runs in another process, when another process runs it', () => {
    const button = stopButton({ ...base, runsHere: false, message: 'running in another process (last heartbeat 2 s ago)' });
    expect(button).toMatch(/disabled=""/);
    expect(button).toContain('title="Runs in another process, not in this app (running in another process (last heartbeat 2 s ago)): stop it where it was started."');
  });
});
