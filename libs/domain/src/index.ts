export * from './decider';
export * from './domain-error';
export * from './attribution/attribution.events';
export * from './attribution/attribution.commands';
export * from './attribution/attribution.errors';
export * from './attribution/attribution.state';
export * from './attribution/attribution.stream';
export * from './attribution/attribution.decider';
