export function writeBuiltFrom(stampFile: string, root: string, builtAt: number, inputs: readonly string[]): void;
export function builtFromIsFresh(stampFile: string, root: string): boolean;
