export * from './types.js';
export type { FactGroup } from './group.js';
export { FACT_GROUPS, gatherFacts, factsScript, parseFacts, splitSections } from './gather.js';
