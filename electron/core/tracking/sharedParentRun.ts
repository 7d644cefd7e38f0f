// One MLflow parent run for a sweep that many workers run on one shared study. The study decides
// who makes it: the first worker to insert the study system attr `sweepdeck:parent_run` (unique per
// study and key in Optuna's schema) creates the run and then writes its id there; every other
// worker waits for that id and joins the run. A winner that dies before writing the id leaves the
// claim empty: the others give up waiting after `waitMs` and report it (the sweep runs on, its
// trials untracked by that worker), and `sweepdeck sweep run` clears the claim to start afresh.
import os from 'node:os';
import { SYS_PARENT_RUN } from '../studies/sweepdeckAttrs.ts';

export interface ParentRunStudy {
  studySystemAttrs(): Promise<Record<string, unknown>>;
  claimStudySystemAttr(key: string, value: unknown): Promise<boolean>;
  setStudySystemAttr(key: string, value: unknown): Promise<void>;
}

export interface ParentRunRecord {
  run_id: string;
  /** The tracking URI without credentials. */
  tracking: string;
}

function recordOf(v: unknown): { run_id: string; tracking: string } | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<ParentRunRecord>;
  return typeof r.run_id === 'string' && typeof r.tracking === 'string' ? { run_id: r.run_id, tracking: r.tracking } : undefined;
}

export interface AgreeOptions {
  waitMs?: number;
  pollMs?: number;
}

/**
 * The parent run every worker of the study logs under: `create` runs in exactly one worker (the
 * claim's winner) and gives the new run's id; the others get that id. Returns the id and whether
 * this worker created it.
 */
export async function agreeOnParentRun(study: ParentRunStudy, tracking: string, create: () => Promise<string>, opts: AgreeOptions = {}): Promise<{ runId: string; created: boolean }> {
  const waitMs = opts.waitMs ?? 60_000;
  const pollMs = opts.pollMs ?? 200;
  const t0 = Date.now();
  for (;;) {
    const rec = recordOf((await study.studySystemAttrs())[SYS_PARENT_RUN]);
    // A record for another tracking store (the sweep moved stores) does not bind this one.
    if (rec && rec.run_id && rec.tracking === tracking) return { runId: rec.run_id, created: false };
    const claimable = !rec || (rec.run_id !== '' && rec.tracking !== tracking);
    if (claimable) {
      const claim = { run_id: '', tracking, by: `${os.hostname()}:${process.pid}`, at: new Date().toISOString() };
      // A stale record for another store is replaced by whoever clears it first (the claim below
      // only inserts, so clearing and claiming are two steps; both are safe to race).
      if (rec) await study.setStudySystemAttr(SYS_PARENT_RUN, null);
      if (await study.claimStudySystemAttr(SYS_PARENT_RUN, claim)) {
        const runId = await create();
        await study.setStudySystemAttr(SYS_PARENT_RUN, { run_id: runId, tracking });
        return { runId, created: true };
      }
    }
    if (Date.now() - t0 > waitMs) {
      throw new Error(
        `waited ${Math.round(waitMs / 1000)} s for another worker to create the sweep's parent run (study system attr ${SYS_PARENT_RUN} is claimed but has no run id); ` +
          'if that worker died, start the sweep again with `sweepdeck sweep run`, which clears the claim',
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
