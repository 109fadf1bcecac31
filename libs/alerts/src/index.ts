export * from './alert-monitor.js';
