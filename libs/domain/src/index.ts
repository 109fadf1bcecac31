export * from './decider.js';
export * from './domain-error.js';
export * from './attribution/attribution.events.js';
export * from './attribution/attribution.commands.js';
export * from './attribution/attribution.errors.js';
export * from './attribution/attribution.state.js';
export * from './attribution/attribution.stream.js';
export * from './attribution/attribution.decider.js';
