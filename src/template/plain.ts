import { Secret } from '../commands/secret.js';
import { revealTracked } from './secrets.js';
import { isPlainContainer, isTemplateContext, viewInfo, wrap } from './views.js';

/**
 * A deep plain copy of a (possibly viewed) value. `keepSecrets`: Secret objects stay (values
 * for modules); otherwise they become their text and the render is marked secret.
 */
export function toPlain(v: unknown, keepSecrets: boolean): unknown {
  if (v instanceof Secret) return keepSecrets ? v : revealTracked(v);
  if (v === null || typeof v !== 'object') return v;
  let src: object = v;
  const info = viewInfo(v);
  if (info && keepSecrets && info.ctx.reveal) src = wrap(info.target, info.path, { ...info.ctx, reveal: false }) as object;
  if (!info && !isTemplateContext(v) && !isPlainContainer(v)) return v;
  if (Array.isArray(src)) return src.map((x) => toPlain(x, keepSecrets));
  const out: Record<string, unknown> = {};
  const obj = src as Record<string, unknown>;
  for (const k of Object.keys(obj)) out[k] = toPlain(obj[k], keepSecrets);
  return out;
}

/** Every string leaf as a Secret: a structured result computed from secret text. */
export function secretLeaves(v: unknown): unknown {
  if (typeof v === 'string') return new Secret(v);
  if (Array.isArray(v)) return v.map(secretLeaves);
  if (v && typeof v === 'object' && !(v instanceof Secret) && isPlainContainer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = secretLeaves(x);
    return out;
  }
  return v;
}
