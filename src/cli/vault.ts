import { existsSync } from 'node:fs';
import { RackError, didYouMean, formatDiagnostic } from '../errors.js';
import {
  decryptFile,
  editVaultFile,
  encryptFile,
  encryptText,
  passwordSource,
  promptPassword,
  readVaultFile,
  vaultStringYaml,
} from '../vault/index.js';
import { helpText, parseArgs, usageError, type OptionSpecs } from './args.js';

export interface VaultIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = `usage: rack vault <command> [options]
  encrypt FILE...            encrypt files in place (or --output F)
  decrypt FILE...            decrypt files in place (or --output F; '-' for stdout)
  view FILE                  print the decrypted content
  edit FILE                  decrypt into $EDITOR, re-encrypt on save (creates FILE if missing)
  encrypt-string [VALUE]     print '!vault |' YAML for a value (from stdin when VALUE is absent;
                             one trailing newline of stdin is dropped)
password: --vault-password-file, else $RACK_VAULT_PASSWORD, else a prompt on the terminal`;

const SPECS: OptionSpecs = {
  'vault-password-file': { kind: 'string', help: "password from this file (or its output when it is executable)" },
  name: { kind: 'string', help: "encrypt-string: print 'NAME: !vault |'" },
  output: { kind: 'string', help: "encrypt/decrypt: write here instead of in place ('-': stdout)" },
  help: { kind: 'bool', short: 'h', help: 'show this help' },
};
const COMMANDS = ['encrypt', 'decrypt', 'view', 'edit', 'encrypt-string'];

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A prompt that asks twice, for passwords that will encrypt something new. */
function confirmingPrompt(io: VaultIo): () => Promise<string> {
  return async () => {
    const first = await promptPassword(io.stdin, io.stderr, 'New vault password: ');
    const again = await promptPassword(io.stdin, io.stderr, 'Confirm new vault password: ');
    if (first !== again) throw new RackError({ code: 'E_VAULT_NO_PASSWORD', message: 'passwords do not match' });
    return first;
  };
}

async function run(argv: string[], io: VaultIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, SPECS, 'vault');
  if (opts.help) {
    io.stdout.write(helpText(USAGE, SPECS));
    return 0;
  }
  const [command, ...rest] = positional;
  if (!command) throw usageError('vault', `which command? (${COMMANDS.join(', ')})`);
  if (!COMMANDS.includes(command)) throw usageError('vault', `unknown command '${command}'`, didYouMean(command, COMMANDS));
  const values = opts as { 'vault-password-file'?: string; name?: string; output?: string };
  const newSecret = command === 'encrypt' || command === 'encrypt-string' || (command === 'edit' && !existsSync(rest[0] ?? ''));
  const password = passwordSource({
    passwordFile: values['vault-password-file'],
    env: io.env,
    prompt: newSecret ? confirmingPrompt(io) : () => promptPassword(io.stdin, io.stderr),
  });
  const needFiles = (n?: number): void => {
    if (rest.length === 0 || (n !== undefined && rest.length !== n))
      throw usageError('vault', `${command} expects ${n === 1 ? 'one FILE' : 'FILE...'}`);
    if (values.output && rest.length > 1) throw usageError('vault', '--output takes a single FILE');
  };

  switch (command) {
    case 'encrypt': {
      needFiles();
      const pw = await password();
      for (const f of rest) encryptFile(f, pw, values.output ?? f);
      io.stderr.write('Encryption successful\n');
      return 0;
    }
    case 'decrypt': {
      needFiles();
      const pw = await password();
      if (values.output === '-') for (const f of rest) io.stdout.write(readVaultFile(f, pw));
      else for (const f of rest) decryptFile(f, pw, values.output ?? f);
      if (values.output !== '-') io.stderr.write('Decryption successful\n');
      return 0;
    }
    case 'view': {
      needFiles(1);
      io.stdout.write(readVaultFile(rest[0], await password()));
      return 0;
    }
    case 'edit': {
      needFiles(1);
      const result = await editVaultFile(rest[0], await password(), io.env);
      io.stderr.write(result.created ? `created ${rest[0]}\n` : result.changed ? `updated ${rest[0]}\n` : 'no changes\n');
      return 0;
    }
    case 'encrypt-string': {
      if (rest.length > 1) throw usageError('vault', 'encrypt-string expects at most one VALUE (quote it)');
      const value = rest.length === 1 ? rest[0] : (await readAll(io.stdin)).replace(/\r?\n$/, '');
      io.stdout.write(vaultStringYaml(encryptText(value, await password()), values.name));
      return 0;
    }
    default:
      throw usageError('vault', `unknown command '${command}'`);
  }
}

/** `rack vault ...`: user errors print as diagnostics and give status 1, usage errors too. */
export async function vaultMain(argv: string[], io: VaultIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof RackError) {
      for (const d of e.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
      return 1;
    }
    throw e;
  }
}
