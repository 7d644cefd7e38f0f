// A sweep with its MLflow tracking: opens the tracking session (the embedded endpoint in front of
// the active store), plugs the parent/child run hooks into the runner, and closes the session when
// the sweep ends. The CLI and the app both start sweeps through here.
import type { TokenCredential } from '@azure/core-auth';
import { sessionTrackingHooks } from '../tracking/sweepHooks.ts';
import type { SweepTracking } from '../tracking/sweepTracking.ts';
import { openTrackingSession, type TrackingDecision, type TrackingSession } from '../tracking/trackingSession.ts';
import path from 'node:path';
import { runSweep, type RunSweepOptions, type SweepHandle } from './sweepRunner.ts';
import type { SweepHooks } from './types.ts';

export interface TrackingChoice {
  /** Overrides the setup's choice (`--tracking-uri`). */
  trackingUri?: string;
  fallbackToLocal?: boolean;
  env?: Record<string, string | undefined>;
  /** The Azure credential (e.g. for the chosen workspace's tenant); default the setup's own. */
  credential?: TokenCredential;
  /** A session the caller keeps open across sweeps (the app); otherwise one is opened and closed here. */
  session?: TrackingSession;
}

export interface TrackedSweepHandle extends SweepHandle {
  decision: TrackingDecision;
  /** The MLflow endpoint trials log through. */
  endpointUrl: string;
  /** Resolves once the parent run exists (or never, when tracking could not start). */
  parentRun: Promise<{ runId: string; experimentId: string; continued: boolean }>;
  outboxPending(): number;
}

/** Runs hooks of several layers in order; a sweep may have its own hooks beside tracking's. */
export function combineHooks(...all: Array<SweepHooks | undefined>): SweepHooks {
  const list = all.filter((h): h is SweepHooks => !!h);
  if (list.length === 1) return list[0]!;
  return {
    async onSweepStart(ctx) {
      for (const h of list) await h.onSweepStart?.(ctx);
    },
    async onTrialStart(trial) {
      const merged: { env: Record<string, string>; userAttrs: Record<string, unknown> } = { env: {}, userAttrs: {} };
      for (const h of list) {
        const r = await h.onTrialStart?.(trial);
        if (r) {
          Object.assign(merged.env, r.env);
          Object.assign(merged.userAttrs, r.userAttrs);
        }
      }
      return merged;
    },
    async onTrialMetric(trial, key, value, step) {
      for (const h of list) await h.onTrialMetric?.(trial, key, value, step);
    },
    async onTrialEnd(trial, state, value, reason) {
      for (const h of list) await h.onTrialEnd?.(trial, state, value, reason);
    },
    async onProgress(counts, best, front) {
      for (const h of list) await h.onProgress?.(counts, best, front);
    },
    async onSweepEnd(summary) {
      for (const h of list) await h.onSweepEnd?.(summary);
    },
    async pollTrialMetrics(trial, metric) {
      const out: Array<{ step: number; value: number }> = [];
      for (const h of list) if (h.pollTrialMetrics) out.push(...(await h.pollTrialMetrics(trial, metric)));
      return out;
    },
  };
}

export async function startTrackedSweep(options: RunSweepOptions, choice: TrackingChoice = {}): Promise<TrackedSweepHandle> {
  const { config } = options;
  const ownSession = !choice.session;
  const session =
    choice.session ??
    (await openTrackingSession({
      experimentName: config.experiment_name,
      trackingUri: choice.trackingUri,
      outputDir: path.resolve(options.outputDir),
      fallbackToLocal: choice.fallbackToLocal,
      env: choice.env,
      ...(choice.credential ? { credential: choice.credential } : {}),
    }));

  let resolveParent!: (v: { runId: string; experimentId: string; continued: boolean }) => void;
  const parentRun = new Promise<{ runId: string; experimentId: string; continued: boolean }>((r) => (resolveParent = r));
  const trackingHooks = sessionTrackingHooks(session, config, (t: SweepTracking) =>
    resolveParent({ runId: t.parentRunId, experimentId: t.experimentId, continued: t.continuedParent }),
  );

  const handle = runSweep({ ...options, hooks: combineHooks(trackingHooks, options.hooks) });
  const done = handle.done.finally(async () => {
    if (ownSession) await session.close();
  });
  return {
    done,
    stop: handle.stop,
    decision: session.decision,
    endpointUrl: session.endpoint.url,
    parentRun,
    outboxPending: () => session.outbox?.pending() ?? 0,
  };
}
