export * from './principal.js';
export * from './api-keys.js';
export * from './pseudonymiser.js';
export * from './secrecy.js';
export * from './people.js';
export * from './api-key.entity.js';
export * from './person.entity.js';
