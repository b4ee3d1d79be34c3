export * from './errors';
export * from './tracking';
export * from './pipeline';
