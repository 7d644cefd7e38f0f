// The names of the contract's channels and events, with no schemas attached, for code that must
// stay tiny (the sandboxed preload's allow-list). contract.ts and events.ts check at compile time that
// their keys are exactly these.

export const CHANNEL_NAMES = [
  'app.info',
  'azure.account.status',
  'azure.account.signIn',
  'azure.account.cancel',
  'azure.account.signOut',
  'azure.account.tenants',
  'azure.trust.get',
  'azure.trust.import',
  'azure.trust.remove',
  'outbox.list',
  'outbox.retry',
  'sweeps.list',
  'sweeps.get',
  'sweeps.register',
  'sweeps.start',
  'sweeps.stop',
  'sweeps.resume',
  'sweeps.spaceDiff',
  'sweeps.failTrial',
  'sweeps.remove',
  'sweeps.locate',
  'sweeps.trials',
  'sweeps.trialColumns',
  'sweeps.intermediateColumns',
  'sweeps.openStudyFile',
  'sweeps.trialLog',
  'sweeps.trialAttrs',
  'sweeps.setTrialNote',
  'sweeps.watch',
  'folders.add',
  'folders.remove',
  'sweeps.openStudyUrl',
  'sweeps.workers',
  'config.validate',
  'config.readExample',
  'config.read',
  'tracking.status',
  'tracking.configure',
  'workspaces.tenants',
  'workspaces.subscriptions',
  'workspaces.list',
  'workspaces.current',
  'workspaces.choose',
  'stores.list',
  'stores.add',
  'stores.remove',
  'experiments.list',
  'runs.search',
  'runs.get',
  'runs.metricHistory',
  'runs.findSweep',
  'runs.metricSummaries',
  'runs.table',
  'runs.tableChart',
  'runs.artifacts',
  'runs.artifact',
  'shell.revealPath',
  'azure.mirrorStatus',
  'azure.sync',
  'azure.syncCancel',
  'azure.reconnected',
] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

export const EVENT_NAMES_LIST = [
  'sweep.progress',
  'sweep.trialLog',
  'azure.account',
  'sweeps.changed',
  'tracking.status',
  'outbox.pending',
  'azure.syncProgress',
] as const;
export type EventNameLiteral = (typeof EVENT_NAMES_LIST)[number];

const channelSet: ReadonlySet<string> = new Set(CHANNEL_NAMES);
const eventSet: ReadonlySet<string> = new Set(EVENT_NAMES_LIST);
export const isChannelName = (name: unknown): name is ChannelName => typeof name === 'string' && channelSet.has(name);
export const isEventNameLiteral = (name: unknown): name is EventNameLiteral => typeof name === 'string' && eventSet.has(name);
