export * from './config.js';
export * from './logging.js';
