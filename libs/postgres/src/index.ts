export * from './migrations.js';
export * from './embedded-postgres.js';
export * from './pool.js';
export * from './database-errors.js';
export * from './data-source.js';
