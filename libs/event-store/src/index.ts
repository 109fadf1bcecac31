export * from './event-store.port.js';
export * from './event-store.errors.js';
export * from './aggregate.js';
export * from './json-equal.js';
export * from './postgres/event-store.migrations.js';
export * from './postgres/postgres-event-store.js';
export * from './postgres/postgres-event-notifier.js';
export * from './wake-signal.js';
