import { Secret } from '../commands/secret.js';
import { Vaulted } from '../source/yaml.js';
import type { Scope } from '../expr/scope.js';
import { renderLazyString } from './lazy-render.js';
import { revealTracked } from './secrets.js';

/** How a view turns the values it hands out into what the reader sees. */
export interface ViewCtx {
  scope: Scope;
  /** Render `{{ }}` in strings (false below values marked raw, and for rendered output). */
  render: boolean;
  /** Secrets become their text (template context) or stay Secret objects (values for modules). */
  reveal: boolean;
}

interface ViewInfo {
  target: object;
  path: string;
  ctx: ViewCtx;
}

const views = new WeakMap<object, ViewInfo>();
const contexts = new WeakSet<object>();
const rawObjects = new WeakSet<object>();

/**
 * Never template strings inside `obj` (registered results, facts, set_fact output: text that
 * is already final and may legitimately contain `{{`).
 */
export function markRaw<T extends object>(obj: T): T {
  rawObjects.add(obj);
  return obj;
}
export const isRawObject = (obj: object): boolean => rawObjects.has(obj);
export const viewInfo = (obj: object): ViewInfo | undefined => views.get(obj);
export const isTemplateContext = (obj: object): boolean => contexts.has(obj);

export function isPlainContainer(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const hasOwn = (o: object, k: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(o, k);
const childPath = (path: string, key: string, isArray: boolean): string => (isArray ? `${path}[${key}]` : `${path}.${key}`);

/** A value as seen through a lazy scope: strings rendered, containers wrapped so their members are too. */
export function wrap(value: unknown, path: string, ctx: ViewCtx): unknown {
  if (typeof value === 'string') {
    if (!ctx.render || !value.includes('{{')) return value;
    return wrap(renderLazyString(value, path, ctx.scope), path, { ...ctx, render: false });
  }
  if (value instanceof Vaulted) value = value.open();
  if (value instanceof Secret) return ctx.reveal ? revealTracked(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (contexts.has(value)) return value;
  const info = views.get(value);
  if (info) return info.ctx.reveal === ctx.reveal ? value : makeView(info.target, info.path, { ...info.ctx, reveal: ctx.reveal });
  if (!isPlainContainer(value)) return value;
  return makeView(value, path, rawObjects.has(value) ? { ...ctx, render: false } : ctx);
}

function makeView(target: object, path: string, ctx: ViewCtx): object {
  // A Proxy must return a frozen target's own values unchanged: view a copy instead.
  const t = Object.isFrozen(target) ? (Array.isArray(target) ? [...target] : { ...target }) : target;
  const isArray = Array.isArray(t);
  const view = new Proxy(t, {
    get(obj, key) {
      if (typeof key === 'symbol' || !hasOwn(obj, key)) return Reflect.get(obj, key);
      return wrap(Reflect.get(obj, key), childPath(path, key, isArray), ctx);
    },
    has(obj, key) {
      return typeof key === 'symbol' ? Reflect.has(obj, key) : hasOwn(obj, key);
    },
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
  });
  views.set(view, { target: t, path, ctx });
  return view;
}

/** A value handed out by a template context: secrets revealed (and tracked), containers viewed. */
function revealed(value: unknown, path: string, scope: Scope): unknown {
  if (value instanceof Secret) return revealTracked(value);
  if (value === null || typeof value !== 'object') return value;
  // Values from the scope are final: only views of unrendered layers render further.
  return wrap(value, path, { scope, render: false, reveal: true });
}

const contextCache = new WeakMap<Scope, Record<string, unknown>>();

/**
 * The scope as an object for handlebars (and for hostvars.NAME): every member is read
 * through scope.get, so nested variables render lazily, and secrets are revealed.
 * Property descriptors report presence only (their value is not computed).
 */
export function toTemplateContext(scope: Scope): Record<string, unknown> {
  const cached = contextCache.get(scope);
  if (cached) return cached;
  const ctx = new Proxy({} as Record<string, unknown>, {
    get(t, key) {
      // Non-variables fall through to the object (String(ctx) in error messages needs toString).
      if (typeof key !== 'string' || !scope.has(key)) return Reflect.get(t, key);
      return revealed(scope.get(key), key, scope);
    },
    has: (_t, key) => typeof key === 'string' && scope.has(key),
    getOwnPropertyDescriptor(_t, key) {
      if (typeof key !== 'string' || !scope.has(key)) return undefined;
      return { configurable: true, enumerable: true, writable: false, value: undefined };
    },
    ownKeys: () => (scope.keys ? [...scope.keys()] : []),
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
  });
  contexts.add(ctx);
  contextCache.set(scope, ctx);
  return ctx;
}
