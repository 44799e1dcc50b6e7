const MASK = '********';

/** A secret value (vaulted or no_log). Its text only leaves through reveal(). */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return MASK;
  }
}

export const isSecret = (v: unknown): v is Secret => v instanceof Secret;

/** Every secret string registered in this process, so any text can be masked before it leaves. */
const known = new Set<string>();
export function registerSecret(value: string): void {
  if (value.length < 3) return;
  // The forms templates commonly turn a secret into (to_json, upper/lower, b64encode) are masked too.
  for (const form of [value, JSON.stringify(value).slice(1, -1), value.toUpperCase(), value.toLowerCase(), Buffer.from(value).toString('base64')])
    known.add(form);
}
export function maskSecrets(text: string): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}
export { MASK };
