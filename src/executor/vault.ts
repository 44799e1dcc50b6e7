import { Vaulted, setVaultOpener } from '../source/yaml.js';
import { decryptText, passwordSource, revealToSecret } from '../vault/index.js';
import { RackError, diag } from '../errors.js';

function containsVaulted(v: unknown, seen = new Set<unknown>()): boolean {
  if (v instanceof Vaulted) return true;
  if (!v || typeof v !== 'object' || seen.has(v)) return false;
  seen.add(v);
  return Object.values(v).some((x) => containsVaulted(x, seen));
}

/**
 * Vaulted values open with one password, asked at most once and only when some loaded
 * value is vaulted (prompting mid-run would stall every host).
 */
export async function prepareVault(loaded: unknown[], opts: { passwordFile?: string; env: NodeJS.ProcessEnv; prompt?: () => Promise<string> }): Promise<void> {
  const needed = loaded.some((v) => containsVaulted(v));
  const explicit = !!(opts.passwordFile || opts.env.RACK_VAULT_PASSWORD);
  if (!needed && !explicit) {
    setVaultOpener(undefined);
    return;
  }
  const password = await passwordSource({ passwordFile: opts.passwordFile, env: opts.env, prompt: opts.prompt })();
  setVaultOpener((cipher, ref) => {
    try {
      return revealToSecret(decryptText(cipher, password));
    } catch (e) {
      if (e instanceof RackError && ref) throw new RackError(e.diagnostics.map((d) => diag(d.code, d.message, d.ref ?? ref, d.hint)));
      throw e;
    }
  });
}
