export * from './projection';
export * from './projection-runner';
export * from './projections.migrations';
export * from './rebuild';
export * from './lease-summary/lease-summary.projection';
export * from './lease-summary/lease-summary.query';
