export * from './errors';
export * from './tracking';
export * from './registry';
export * from './pipeline';
export * from './format';
export * from './sourceHash';
export * from './cellsHttp';
export * from './evaluation';
