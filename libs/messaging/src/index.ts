export * from './topics.js';
export * from './kafka-relay.js';
