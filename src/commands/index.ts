export * from './types.js';
export * from './quote.js';
export * from './secret.js';
