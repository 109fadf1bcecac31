export * from './projection.js';
export * from './projection-runner.js';
export * from './projections.migrations.js';
export * from './rebuild.js';
export * from './lease-summary/lease-summary.projection.js';
export * from './lease-summary/lease-summary.query.js';
export * from './registry.js';
