// The route table: MLflow REST path -> accepted methods, request schema and the store call that
// answers it, with the response in the exact shape MLflow's server returns (see wire.ts).
import type { z } from 'zod';
import { MlflowError, type TrackingStore } from '../types.ts';
import { schemas } from './schemas.ts';
import { experimentJson, metricJson, runInfoJson, runJson } from './wire.ts';

export type HttpMethod = 'GET' | 'POST';

export interface Route<S extends z.ZodType = z.ZodType> {
  methods: readonly HttpMethod[];
  schema: S;
  handle(store: TrackingStore, input: z.output<S>): Promise<Record<string, unknown>>;
}

function route<S extends z.ZodType>(methods: readonly HttpMethod[], schema: S, handle: Route<S>['handle']): Route {
  return { methods, schema, handle } as Route;
}

const GET = ['GET'] as const;
const POST = ['POST'] as const;

/** Paths relative to /api/2.0/mlflow/. */
export const ROUTES: Record<string, Route> = {
  'experiments/create': route(POST, schemas.createExperiment, async (s, r) => ({
    experiment_id: await s.createExperiment(r.name, r.artifact_location || undefined, r.tags),
  })),
  'experiments/get': route(GET, schemas.experimentId, async (s, r) => ({
    experiment: experimentJson(await s.getExperiment(r.experiment_id)),
  })),
  'experiments/get-by-name': route(GET, schemas.getExperimentByName, async (s, r) => {
    const e = await s.getExperimentByName(r.experiment_name);
    if (!e) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${r.experiment_name}'`);
    return { experiment: experimentJson(e) };
  }),
  'experiments/search': route(['GET', 'POST'], schemas.searchExperiments, async (s, r) => {
    const page = await s.searchExperiments({
      maxResults: r.max_results,
      pageToken: r.page_token || undefined,
      filter: r.filter || undefined,
      orderBy: r.order_by,
      viewType: r.view_type,
    });
    return listResponse('experiments', page.items.map(experimentJson), page.nextPageToken);
  }),
  'experiments/delete': route(POST, schemas.experimentId, async (s, r) => {
    await s.deleteExperiment(r.experiment_id);
    return {};
  }),
  'experiments/restore': route(POST, schemas.experimentId, async (s, r) => {
    await s.restoreExperiment(r.experiment_id);
    return {};
  }),
  'experiments/update': route(POST, schemas.updateExperiment, async (s, r) => {
    await s.renameExperiment(r.experiment_id, r.new_name);
    return {};
  }),
  'experiments/set-experiment-tag': route(POST, schemas.setExperimentTag, async (s, r) => {
    await s.setExperimentTag(r.experiment_id, r.key, r.value);
    return {};
  }),

  'runs/create': route(POST, schemas.createRun, async (s, r) => ({
    run: runJson(
      await s.createRun({ experimentId: r.experiment_id, userId: r.user_id, startTime: r.start_time, tags: r.tags, runName: r.run_name || undefined }),
      false,
    ),
  })),
  'runs/get': route(GET, schemas.runId, async (s, r) => ({ run: runJson(await s.getRun(r.run_id), true) })),
  'runs/update': route(POST, schemas.updateRun, async (s, r) => ({
    run_info: runInfoJson(await s.updateRun(r.run_id, { status: r.status, endTime: r.end_time, runName: r.run_name || undefined })),
  })),
  'runs/delete': route(POST, schemas.runId, async (s, r) => {
    await s.deleteRun(r.run_id);
    return {};
  }),
  'runs/restore': route(POST, schemas.runId, async (s, r) => {
    await s.restoreRun(r.run_id);
    return {};
  }),
  'runs/search': route(['POST', 'GET'], schemas.searchRuns, async (s, r) => {
    const page = await s.searchRuns({
      experimentIds: r.experiment_ids,
      filter: r.filter || undefined,
      runViewType: r.run_view_type,
      maxResults: r.max_results,
      orderBy: r.order_by,
      pageToken: r.page_token || undefined,
    });
    return listResponse('runs', page.items.map((run) => runJson(run, true)), page.nextPageToken);
  }),
  'runs/log-batch': route(POST, schemas.logBatch, async (s, r) => {
    const total = r.metrics.length + r.params.length + r.tags.length;
    if (total > 1000) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `A batch logging request can contain at most 1000 metrics, params and tags in total. Got ${total}. Please split it across multiple requests and try again.`);
    }
    if (total > 0) await s.logBatch(r.run_id, { metrics: r.metrics, params: r.params, tags: r.tags });
    return {};
  }),
  'runs/log-metric': route(POST, schemas.logMetric, async (s, r) => {
    await s.logMetric(r.run_id, { key: r.key, value: r.value, timestamp: r.timestamp, step: r.step });
    return {};
  }),
  'runs/log-parameter': route(POST, schemas.logParam, async (s, r) => {
    await s.logParam(r.run_id, { key: r.key, value: r.value });
    return {};
  }),
  'runs/set-tag': route(POST, schemas.setTag, async (s, r) => {
    await s.setTag(r.run_id, { key: r.key, value: r.value });
    return {};
  }),
  'runs/delete-tag': route(POST, schemas.deleteTag, async (s, r) => {
    await s.deleteTag(r.run_id, r.key);
    return {};
  }),
  'metrics/get-history': route(GET, schemas.getMetricHistory, async (s, r) => {
    const page = await s.getMetricHistory(r.run_id, r.metric_key, { maxResults: r.max_results, pageToken: r.page_token || undefined });
    return listResponse('metrics', page.items.map(metricJson), page.nextPageToken);
  }),
};


/** MLflow omits an empty list and an absent page token. */
function listResponse(field: string, items: unknown[], nextPageToken: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (items.length > 0) out[field] = items;
  if (nextPageToken) out.next_page_token = nextPageToken;
  return out;
}
