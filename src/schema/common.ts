/** Building blocks shared by rack's keyword schemas. */
export const str = { type: 'string' } as const;
export const bool = { type: 'boolean' } as const;
export const templ = { type: 'string', pattern: '\\{\\{' } as const;
/** A boolean, or a template giving one at run time. */
export const boolish = { anyOf: [bool, templ] } as const;
export const intish = { anyOf: [{ type: 'integer', minimum: 0 }, templ] } as const;
export const stringList = { anyOf: [str, { type: 'array', items: { type: ['string', 'number'] } }] } as const;
export const dict = { type: 'object' } as const;
/** when / changed_when: an expression, a boolean, or a list of expressions. */
export const condition = { anyOf: [str, bool, { type: 'array', items: { type: ['string', 'boolean'] } }] } as const;
export const environment = { anyOf: [dict, templ] } as const;
