export * from './territorial-referential.js';
