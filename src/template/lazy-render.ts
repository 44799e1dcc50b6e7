import { RackError, fail } from '../errors.js';
import type { Scope } from '../expr/scope.js';
import { renderString } from './render.js';

/** Variable paths being rendered, per scope: meeting one again is a cycle. */
const inProgress = new WeakMap<Scope, string[]>();
let depth = 0;
const MAX_DEPTH = 100;
const annotated = new WeakSet<RackError>();

/** Render a variable's template string read through a lazy scope (see views.ts). */
export function renderLazyString(text: string, path: string, scope: Scope): unknown {
  let stack = inProgress.get(scope);
  if (!stack) inProgress.set(scope, (stack = []));
  if (stack.includes(path)) {
    const loop = [...stack.slice(stack.indexOf(path)), path].join(' -> ');
    fail('E_TEMPLATE_CYCLE', `variables refer to each other in a cycle: ${loop}`, undefined, 'break the cycle: one of these must not use the others');
  }
  if (depth >= MAX_DEPTH) {
    fail('E_TEMPLATE_CYCLE', `variables nest more than ${MAX_DEPTH} deep while rendering '${path}'`, undefined, 'probably a cycle through hostvars');
  }
  stack.push(path);
  depth++;
  try {
    return renderString(text, scope);
  } catch (e) {
    if (e instanceof RackError && !annotated.has(e) && e.diagnostics[0]?.code !== 'E_TEMPLATE_CYCLE') {
      const first = e.diagnostics[0];
      const out = new RackError(e.diagnostics.map((d) => (d === first ? { ...d, message: `${d.message} (in variable '${path}')` } : d)));
      annotated.add(out);
      throw out;
    }
    throw e;
  } finally {
    depth--;
    stack.pop();
  }
}
