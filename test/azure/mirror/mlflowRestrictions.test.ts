// How a search is split between Azure (what it accepts) and the mirror (the rest), and the guard
// that refuses to send a refused form at all.
import { describe, expect, it } from 'vitest';
import { assertAzureAcceptable, splitRunQueryForAzure } from '../../../electron/core/azure/mlflowRestrictions.ts';
import { azureDoubleRefusal } from '../../support/azureMlflowDouble.ts';

describe('splitRunQueryForAzure', () => {
  it('sends the AND clauses Azure accepts and keeps LIKE, != on tags and status for local evaluation', () => {
    const s = splitRunQueryForAzure("params.lr = '0.1' AND tags.t != 'x' AND attributes.status = 'FINISHED' AND metrics.f1 > 0.5 AND tags.`mlflow.runName` LIKE 'trial-%'", ['attributes.start_time DESC']);
    expect(s.remoteFilter).toBe("params.`lr` = '0.1' AND metrics.`f1` > 0.5");
    expect(s.localComparisons.map((c) => `${c.type}.${c.key} ${c.comparator}`)).toEqual(['tag.t !=', 'attribute.status =', 'tag.mlflow.runName LIKE']);
    expect(s.remoteOrderBy).toEqual(['attributes.`start_time` DESC']);
    expect(s.localOrder).toBe(false);
    // What is sent passes the double's own (independent) check of Azure's rules.
    expect(azureDoubleRefusal(s.remoteFilter, s.remoteOrderBy)).toBeUndefined();
  });

  it('orders locally (and sends no order) when a metric is in order_by', () => {
    const s = splitRunQueryForAzure(undefined, ['metrics.f1 DESC', 'attributes.start_time']);
    expect(s.remoteOrderBy).toEqual([]);
    expect(s.localOrder).toBe(true);
  });

  it('keeps a value with both quote kinds local rather than send it mangled', () => {
    const s = splitRunQueryForAzure(`params.note = 'it''s "x"'`, undefined);
    expect(s.remoteFilter).toBeUndefined();
    expect(s.localComparisons.length).toBe(1);
  });

  it('rejects OR before anything is sent: MLflow filters are AND only', () => {
    expect(() => splitRunQueryForAzure("params.a = '1' OR params.a = '2'", undefined)).toThrow(/Invalid clause/);
  });
});

describe('assertAzureAcceptable', () => {
  it.each([
    ['runs/search', { filter: "params.a LIKE 'x%'" }, /LIKE/],
    ['runs/search', { filter: "params.a = '1' OR params.a = '2'" }, /not valid MLflow search syntax/],
    ['runs/search', { filter: "tags.a != 'x'" }, /'!=' on tags/],
    ['runs/search', { filter: "status = 'RUNNING'" }, /attributes.status/],
    ['runs/search', { order_by: ['metrics.f1 DESC'] }, /ordering by a metric/],
    ['experiments/search', { filter: "name LIKE 'sweep%'" }, /LIKE/],
    ['metrics/get-history', { max_results: '1000' }, /below 1000/],
  ])('%s %j is refused', (endpoint, params, why) => {
    expect(() => assertAzureAcceptable(endpoint, params)).toThrow(why);
  });

  it('lets accepted requests through', () => {
    expect(() => assertAzureAcceptable('runs/search', { filter: 'attributes.start_time >= 5', order_by: ['attributes.start_time DESC'] })).not.toThrow();
    expect(() => assertAzureAcceptable('metrics/get-history', { max_results: '999' })).not.toThrow();
  });
});
