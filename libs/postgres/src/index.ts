export * from './migrations';
export * from './embedded-postgres';
export * from './pool';
