// Builds a trial's argv from the config's command template. Values go into argv elements one by
// one, never through a shell, so a param value can never be interpreted as shell syntax.
import { expandPlaceholders, formatParamValue } from '../../../shared/config.ts';
import type { ParamValue } from '../search/types.ts';

export interface ArgvContext {
  params: Readonly<Record<string, ParamValue>>;
  backbone: string;
  trialNumber: number;
  trialDir: string;
}

/** The placeholder values for one trial. Numbers use String(), which round-trips every double. */
export function placeholderValues(ctx: ArgvContext): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.params)) vars[k] = formatParamValue(v);
  vars.backbone = ctx.backbone;
  vars.trial_number = String(ctx.trialNumber);
  vars.trial_dir = ctx.trialDir;
  return vars;
}

/** Substitutes `{param}`, `{backbone}`, `{trial_number}` and `{trial_dir}` in each element. */
export function buildArgv(template: readonly string[], ctx: ArgvContext): string[] {
  const vars = placeholderValues(ctx);
  return template.map((arg, i) => {
    try {
      return expandPlaceholders(arg, vars);
    } catch (err) {
      throw new Error(`trial.command[${i}] ${JSON.stringify(arg)}: ${(err as Error).message}; use a search_space parameter or {backbone}, {trial_number}, {trial_dir}`, { cause: err });
    }
  });
}
