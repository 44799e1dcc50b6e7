import { isSecret } from '../commands/secret.js';
import { modules, type ModuleSchema } from '../schema/modules.js';

/** The module's JSON schema (src/schema/modules/<name>.json), the one source of truth for arguments. */
export function moduleSchema(name: string): ModuleSchema | undefined {
  return modules().schema(name);
}

/**
 * Arguments as planners expect them: aliases renamed to the canonical name, Ansible's
 * lenient conversions ('yes' -> true, '8' -> 8), schema defaults filled in. Returns a new
 * object; running it again on its output changes nothing.
 */
export function normalizeArgs(name: string, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...args };
  const schema = moduleSchema(name);
  if (!schema) return out;
  modules().normalize(name, out);
  for (const [k, prop] of Object.entries(schema.properties ?? {}))
    if (out[k] === undefined && prop.default !== undefined) out[k] = structuredClone(prop.default);
  return out;
}

/** A string argument (secrets revealed: they are going to the host). */
export function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (isSecret(v)) return v.reveal();
  return String(v);
}

/** A list argument given as a list or as 'a,b,c'. */
export function list(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.flatMap((x) => list(x));
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function bool(v: unknown, dflt = false): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string') return /^(?:yes|on|true|1|y)$/i.test(v.trim());
  return Boolean(v);
}
