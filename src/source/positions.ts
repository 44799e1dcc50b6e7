import type { SourceRef } from '../errors.js';

/** Where a loaded mapping or list came from, and where each of its keys and values sits. */
interface Placement {
  ref: SourceRef;
  keys: Map<string | number, { key?: SourceRef; value: SourceRef }>;
}

const placements = new WeakMap<object, Placement>();

export function place(obj: object, ref: SourceRef): Placement {
  const p: Placement = { ref, keys: new Map() };
  placements.set(obj, p);
  return p;
}

/** Position of a loaded mapping or list. */
export function refOf(obj: unknown): SourceRef | undefined {
  return obj && typeof obj === 'object' ? placements.get(obj)?.ref : undefined;
}

/** Position of a mapping key (falls back to the mapping). */
export function keyRefOf(obj: unknown, key: string | number): SourceRef | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const p = placements.get(obj);
  return p?.keys.get(key)?.key ?? p?.keys.get(key)?.value ?? p?.ref;
}

/** Position of the value under a key or index (falls back to the key, then the container). */
export function valueRefOf(obj: unknown, key: string | number): SourceRef | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const p = placements.get(obj);
  return p?.keys.get(key)?.value ?? p?.ref;
}

/** Deepest known position along a path (an ajv instancePath split into parts). */
export function pathRef(root: unknown, path: Array<string | number>, wantKey = false): SourceRef | undefined {
  let node: unknown = root;
  let best = refOf(root);
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    if (!node || typeof node !== 'object') break;
    const key = Array.isArray(node) ? Number(part) : String(part);
    const last = i === path.length - 1;
    best = (last && wantKey ? keyRefOf(node, key) : valueRefOf(node, key)) ?? best;
    node = (node as Record<string | number, unknown>)[key];
  }
  return best;
}

/** Copy positions from one container to another (data copied during loading keeps its origin). */
export function copyPlacement(from: object, to: object): void {
  const p = placements.get(from);
  if (p) placements.set(to, { ref: p.ref, keys: new Map(p.keys) });
}

/** Record the position of one entry of a container built by rack (e.g. k=v argument strings). */
export function placeEntry(obj: object, key: string | number, value: SourceRef, keyRef?: SourceRef): void {
  let p = placements.get(obj);
  if (!p) p = place(obj, value);
  p.keys.set(key, { key: keyRef, value });
}
