export * from './errors';
export * from './tracking';
