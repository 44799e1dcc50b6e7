import { Secret, isSecret } from '../commands/secret.js';
import { Vaulted } from '../source/yaml.js';

/** How to reach a host, from its variables (Ansible's names, or rack's shorter ones). */
export interface ConnectionSettings {
  connection?: 'ssh' | 'local';
  address?: string;
  port?: number;
  user?: string;
  keyFile?: string;
  password?: Secret;
  becomePassword?: Secret;
  become?: boolean;
  becomeUser?: string;
  sshArgs?: string;
}

type Field = keyof ConnectionSettings;

/** Every variable read for a connection setting; when both are set, rack's short name wins. */
export const CONNECTION_VARS: ReadonlyArray<{ field: Field; rack?: string; ansible: string[]; meaning: string }> = [
  { field: 'connection', rack: 'connection', ansible: ['ansible_connection'], meaning: "'ssh' (default) or 'local'" },
  { field: 'address', rack: 'ssh_host', ansible: ['ansible_host', 'ansible_ssh_host'], meaning: 'address to connect to (default: the inventory name)' },
  { field: 'port', rack: 'ssh_port', ansible: ['ansible_port', 'ansible_ssh_port'], meaning: 'SSH port (default 22)' },
  { field: 'user', rack: 'ssh_user', ansible: ['ansible_user', 'ansible_ssh_user'], meaning: 'login user' },
  { field: 'keyFile', rack: 'ssh_key', ansible: ['ansible_ssh_private_key_file', 'ansible_private_key_file'], meaning: 'private key file' },
  { field: 'password', ansible: ['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'], meaning: 'login password (vault it)' },
  { field: 'becomePassword', ansible: ['ansible_become_password', 'ansible_become_pass'], meaning: 'sudo password (vault it)' },
  { field: 'become', rack: 'become', ansible: ['ansible_become'], meaning: 'run tasks through sudo' },
  { field: 'becomeUser', rack: 'become_user', ansible: ['ansible_become_user'], meaning: 'user sudo switches to (default root)' },
  { field: 'sshArgs', ansible: ['ansible_ssh_common_args', 'ansible_ssh_extra_args'], meaning: 'extra ssh options (-o Name=value ...)' },
];

const TRUE = new Set(['true', 'yes', 'on', '1', 't', 'y']);
const FALSE = new Set(['false', 'no', 'off', '0', 'f', 'n', '']);

function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = String(v).trim().toLowerCase();
  return TRUE.has(s) ? true : FALSE.has(s) ? false : undefined;
}

function asSecret(v: unknown): Secret | undefined {
  if (isSecret(v)) return v;
  if (v instanceof Vaulted) return undefined; // decrypt first: the caller renders vaulted values
  return v === undefined || v === null ? undefined : new Secret(String(v));
}

/** Settle connection settings from (already rendered) host variables. */
export function connectionSettings(vars: Record<string, unknown>): ConnectionSettings {
  const out: ConnectionSettings = {};
  const pick = (names: Array<string | undefined>): unknown => {
    for (const n of names) if (n && vars[n] !== undefined && vars[n] !== null) return vars[n];
    return undefined;
  };
  for (const { field, rack, ansible } of CONNECTION_VARS) {
    if (field === 'sshArgs') {
      const parts = ansible.map((n) => vars[n]).filter((v) => v !== undefined && v !== null && String(v).trim() !== '');
      if (parts.length) out.sshArgs = parts.map(String).join(' ');
      continue;
    }
    const v = pick([rack, ...ansible]);
    if (v === undefined) continue;
    switch (field) {
      case 'connection': {
        const c = String(v);
        out.connection = c === 'local' ? 'local' : 'ssh';
        break;
      }
      case 'port': {
        const n = Number(v);
        if (Number.isInteger(n) && n > 0 && n < 65536) out.port = n;
        break;
      }
      case 'become':
        out.become = asBool(v);
        break;
      case 'password':
      case 'becomePassword':
        out[field] = asSecret(v);
        break;
      default:
        out[field] = String(v);
    }
  }
  return out;
}
