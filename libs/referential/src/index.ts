export * from './territorial-referential.js';
export * from './qpv-lists.js';
export * from './closest-ids.js';
