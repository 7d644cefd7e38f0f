// Errors a sampler can raise that the runner acts on.

/** A finite sampler (grid) has proposed every point: the sweep is complete, not broken. */
export class SearchSpaceExhaustedError extends Error {
  override readonly name = 'SearchSpaceExhaustedError';
  constructor(readonly gridSize: number) {
    super(`the grid's ${gridSize} point${gridSize === 1 ? '' : 's'} have all been tried; the sweep is complete (raise the grid resolution or switch to tpe/random for more trials)`);
  }
}
