import type { Scope } from '../expr/scope.js';
import { isRawObject, wrap, type ViewCtx } from './views.js';

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Variables from layers, lowest precedence first: the last layer holding a name wins, and a
 * dict replaces a lower one whole (no deep merge). Strings holding `{{ }}` are rendered when
 * read, against this same scope (so `a: "{{ b }}-x"` sees b from any layer); cycles are errors.
 * Values come back as read-only views; Secret objects stay Secret.
 */
export function lazyScope(layers: Array<Record<string, unknown>>): Scope {
  const ctx: ViewCtx = { scope: undefined as unknown as Scope, render: true, reveal: false };
  const raw: ViewCtx = { ...ctx, render: false };
  const scope: Scope = {
    get(name) {
      for (let i = layers.length - 1; i >= 0; i--) {
        const layer = layers[i];
        if (!hasOwn(layer, name)) continue;
        return wrap(layer[name], name, isRawObject(layer) ? raw : ctx);
      }
      return undefined;
    },
    has: (name) => layers.some((l) => hasOwn(l, name)),
    keys() {
      const out = new Set<string>();
      for (const l of layers) for (const k of Object.keys(l)) out.add(k);
      return out;
    },
  };
  ctx.scope = scope;
  raw.scope = scope;
  return scope;
}
