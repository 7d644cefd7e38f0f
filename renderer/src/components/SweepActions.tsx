// Start / Resume / Stop / Open for one sweep, shared by the list and the detail screen. A study
// opened from a file has no config: Resume then asks for one instead of failing.
import { useState } from 'react';
import type { SpaceDiffReply, SweepSummary } from '../../../shared/contract.ts';
import { useSweepAction } from '../api/queries.ts';
import { errorCode } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { LocateFile } from './LocateFile.tsx';
import { ErrorBox } from './Notice.tsx';
import { RemoveSweep } from './RemoveSweep.tsx';
import { SpaceChangeConfirm, spaceDiffOf, useSpaceDiffCheck } from './SpaceChangeConfirm.tsx';

function needsConfig(e: unknown): boolean {
  const d = (e as { details?: unknown } | null)?.details;
  return errorCode(e) === 'CONFLICT' && typeof d === 'object' && d !== null && (d as { needsConfig?: unknown }).needsConfig === true;
}

/** Why Stop is off for a sweep another process runs, and where to stop it. */
export function runsElsewhereTitle(sweep: SweepSummary): string {
  if (sweep.storage === 'postgresql') return 'Runs on workers sharing this PostgreSQL study: Stop workers in the Workers panel of its page asks every Sweepdeck worker to stop.';
  return `Runs in another process, not in this app${sweep.message ? ` (${sweep.message})` : ''}: stop it where it was started.`;
}

/** label: the sweep's name in button names, unique on the screen (SweepsScreen adds the study
 * path when two sweeps share a study name), so "Resume X" names one button. */
export function SweepActions({ sweep, showOpen = true, label }: { sweep: SweepSummary; showOpen?: boolean; label?: string }) {
  const start = useSweepAction('sweeps.start');
  const resume = useSweepAction('sweeps.resume');
  const stop = useSweepAction('sweeps.stop');
  const [configPath, setConfigPath] = useState('');
  const [askConfig, setAskConfig] = useState(false);
  const [locating, setLocating] = useState(false);
  const [confirmStop, setConfirmStop] = useState(false);
  // Resume first asks how the config's search space differs from the study's (issue 13).
  const spaceCheck = useSpaceDiffCheck();
  const [spaceDiff, setSpaceDiff] = useState<SpaceDiffReply | null>(null);
  const name = label ?? sweep.studyName;
  const busy = start.isPending || resume.isPending || stop.isPending || spaceCheck.isPending;
  const error = start.error ?? resume.error ?? stop.error ?? spaceCheck.error;
  // A study the app only watches (e.g. only Python Optuna workers drive it) gets neither.
  // A shared PostgreSQL study takes local workers while others run elsewhere.
  const joinsShared = sweep.storage === 'postgresql' && !sweep.runsHere && (sweep.state === 'running' || sweep.state === 'stopping' || sweep.state === 'unresponsive');
  const canResume = (sweep.state === 'interrupted' || sweep.state === 'failed' || joinsShared) && !sweep.readOnly;

  const resumeNow = (acceptSpaceChange: boolean): void => {
    resume.mutate({ id: sweep.id, ...(configPath ? { configPath } : {}), ...(acceptSpaceChange ? { acceptSpaceChange } : {}) }, {
      onError: (e) => {
        if (needsConfig(e)) setAskConfig(true);
        setSpaceDiff(spaceDiffOf(e));
      },
      onSuccess: () => {
        setAskConfig(false);
        setSpaceDiff(null);
      },
    });
  };

  const doResume = (): void => {
    if (sweep.configPath === null && !configPath) {
      setAskConfig(true);
      return;
    }
    resume.reset();
    spaceCheck.mutate(configPath ? { id: sweep.id, configPath } : { id: sweep.id }, {
      onError: (e) => {
        if (needsConfig(e)) setAskConfig(true);
      },
      onSuccess: (d) => {
        if (d.changes.length === 0) resumeNow(false);
        else setSpaceDiff(d);
      },
    });
  };

  return (
    <div className="actions-wrap">
      <div className="actions">
        {sweep.state === 'ready' ? (
          <button type="button" className="primary" disabled={busy} aria-label={`Start ${name}`} onClick={() => start.mutate({ id: sweep.id })}>
            {start.isPending ? 'Starting…' : 'Start'}
          </button>
        ) : null}
        {(canResume || sweep.state === 'finished') && !sweep.readOnly ? (
          <button
            type="button"
            className={canResume && !joinsShared ? 'primary' : ''}
            disabled={busy || sweep.state === 'finished'}
            aria-label={`Resume ${name}`}
            title={sweep.state === 'finished' ? 'Finished: every trial of the budget is done.' : joinsShared ? 'Start workers here that join the ones running this study' : 'Continue with the remaining trials'}
            onClick={doResume}
          >
            {spaceCheck.isPending ? 'Checking…' : resume.isPending ? 'Resuming…' : 'Resume'}
          </button>
        ) : null}
        {(sweep.state === 'running' || sweep.state === 'stopping') && sweep.runsHere ? (
          <button type="button" className="danger" disabled={busy || sweep.state === 'stopping' || confirmStop} aria-label={`Stop ${name}`} onClick={() => setConfirmStop(true)}>
            {sweep.state === 'stopping' || stop.isPending ? 'Stopping…' : 'Stop'}
          </button>
        ) : null}
        {(sweep.state === 'running' || sweep.state === 'stopping') && !sweep.runsHere && !sweep.readOnly ? (
          // Stop reaches only this app's own runner: say where this one runs instead of offering a
          // button that would answer CONFLICT.
          <button type="button" className="danger" disabled aria-label={`Stop ${name}`} title={runsElsewhereTitle(sweep)}>
            Stop
          </button>
        ) : null}
        {sweep.state === 'missing' ? (
          <button type="button" className="primary" aria-label={`Locate the file of ${name}`} aria-expanded={locating} onClick={() => setLocating(true)}>
            Locate…
          </button>
        ) : null}
        {showOpen ? (
          <a className="button" href={href({ name: 'sweep', id: sweep.id })} aria-label={`Open ${name}`}>
            Open
          </a>
        ) : null}
      </div>
      {confirmStop && sweep.state === 'running' ? (
        <div className="confirm-row" role="group" aria-label={`Confirm stopping ${name}`}>
          <span className="small">Stop {name}? Running trials are ended and offered again on Resume; finished trials are kept.</span>
          <button
            type="button"
            className="danger"
            autoFocus
            aria-label={`Yes, stop ${name}`}
            onClick={() => {
              setConfirmStop(false);
              stop.mutate({ id: sweep.id });
            }}
          >
            Yes, stop
          </button>
          <button type="button" aria-label={`Keep ${name} running`} onClick={() => setConfirmStop(false)}>
            Keep running
          </button>
        </div>
      ) : null}
      {sweep.state !== 'running' && sweep.state !== 'stopping' ? <RemoveSweep sweep={sweep} label={name} /> : null}
      {locating && sweep.state === 'missing' ? <LocateFile sweep={sweep} label={name} onDone={() => setLocating(false)} /> : null}
      {askConfig ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (configPath) doResume();
          }}
        >
          <p className="small">
            This study was made elsewhere and has no HPO config here. Give a config whose search space matches it (its trial command runs the new trials).
          </p>
          <label>
            HPO config path
            <input type="text" value={configPath} onChange={(e) => setConfigPath(e.target.value)} placeholder="/path/to/hpo.yaml" autoFocus />
          </label>
          <button type="submit" className="primary" disabled={!configPath || busy}>
            Resume with this config
          </button>
        </form>
      ) : null}
      {spaceDiff ? (
        <SpaceChangeConfirm
          diff={spaceDiff}
          label={name}
          busy={busy}
          onResume={() => resumeNow(true)}
          onCancel={() => {
            setSpaceDiff(null);
            resume.reset();
          }}
        />
      ) : null}
      {error && !(askConfig && needsConfig(error)) && !(spaceDiff && spaceDiffOf(error)) ? (
        <ErrorBox error={error} title={`Could not ${start.error ? 'start' : resume.error || spaceCheck.error ? 'resume' : 'stop'} ${name}`} />
      ) : null}
    </div>
  );
}

export function openSweep(id: string): void {
  navigate({ name: 'sweep', id });
}
