/**
 * What expressions and templates read variables from. The executor implements it; values
 * may be templated lazily on access (see template/lazy-scope.ts).
 */
export interface Scope {
  get(name: string): unknown;
  has(name: string): boolean;
  /** Every name (optional: lets templates list or dump all variables). */
  keys?(): Iterable<string>;
}

/** A Scope over one plain record (tests, simple callers). */
export function recordScope(vars: Record<string, unknown>): Scope {
  return {
    get: (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined),
    has: (name) => Object.prototype.hasOwnProperty.call(vars, name),
    keys: () => Object.keys(vars),
  };
}
