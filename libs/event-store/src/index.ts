export * from './event-store.port';
export * from './event-store.errors';
export * from './aggregate';
export * from './json-equal';
export * from './postgres/event-store.migrations';
export * from './postgres/postgres-event-store';
export * from './postgres/postgres-event-notifier';
export * from './wake-signal';
