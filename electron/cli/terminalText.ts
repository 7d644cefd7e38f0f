// What the CLI prints comes largely from stored text (experiment, run, study and param names, trial
// output, messages quoting files), which anyone who could write a store or a study chose. Control
// characters in it would act on the terminal (ESC sequences clear the screen, set the title or
// rewrite earlier lines; BEL rings), so every CLI output goes through here and shows them as
// visible escapes (ESC becomes `\u001b`), which are also valid inside JSON strings.

/** C0 controls except tab and newline, DEL, C1 controls, Unicode line/paragraph separators and
 * bidirectional overrides/isolates (which reorder what is shown). Matching control characters is
 * this module's job. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, plus tab and newline: for one stored value inside a line. */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_FIELD = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const visible = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Text for the terminal: line breaks and tabs kept, every other control character made visible. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** One stored value shown inside a line: a newline in it cannot start a line of its own either. */
export function oneLine(text: string): string {
  return text.replace(UNSAFE_IN_FIELD, visible);
}

/** console.log for the CLI: the text made terminal-safe. */
export function print(text: string): void {
  console.log(terminalSafe(text));
}

/** console.error for the CLI: the text made terminal-safe. */
export function printError(text: string): void {
  console.error(terminalSafe(text));
}
