// Helpers over MLflow run JSON: shared with the host, which sorts the runs table (runs.table).
export { bestKey, bestOf, cellValue, colId, compareCells, keysOf, metric, PARENT_TAG, param, runName, tag, tagFilter, type BestOf, type Column } from '../../../shared/runCells.ts';
