import { RackError, diag, type SourceRef } from '../errors.js';
import { decryptText } from './crypto.js';
import { noPassword, readPasswordFile } from './password.js';

/** What the loader uses to open `!vault` values and vaulted files. */
export interface VaultKeyring {
  decrypt(text: string, ref?: SourceRef): Promise<string> | string;
}

export interface KeyringOptions {
  passwordFile?: string;
  env?: NodeJS.ProcessEnv;
  prompt?: () => Promise<string>;
}

/**
 * Password source by precedence: --vault-password-file, RACK_VAULT_PASSWORD, the prompt.
 * Nothing is asked until the first vaulted value is met, and only once.
 */
export function passwordSource(opts: KeyringOptions): () => Promise<string> {
  let pending: Promise<string> | undefined;
  const obtain = async (): Promise<string> => {
    if (opts.passwordFile) return readPasswordFile(opts.passwordFile);
    const fromEnv = opts.env?.RACK_VAULT_PASSWORD;
    if (fromEnv) return fromEnv;
    if (opts.prompt) {
      const typed = await opts.prompt();
      if (typed.length > 0) return typed;
    }
    throw noPassword();
  };
  return () => (pending ??= obtain());
}

/** Errors get the place of the vaulted value, so the user knows which one failed. */
function placed(e: unknown, ref: SourceRef | undefined): unknown {
  if (!(e instanceof RackError) || !ref) return e;
  return new RackError(e.diagnostics.map((d) => (d.ref ? d : diag(d.code, d.message, ref, d.hint))));
}

export function makeKeyring(opts: KeyringOptions): VaultKeyring {
  const password = passwordSource(opts);
  return {
    async decrypt(text: string, ref?: SourceRef): Promise<string> {
      try {
        return decryptText(text, await password());
      } catch (e) {
        throw placed(e, ref);
      }
    },
  };
}
