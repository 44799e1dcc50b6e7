import { connectLocal } from './local.js';
import { connectSsh } from './ssh.js';
import type { Connection, ConnectOptions } from './types.js';

export * from './types.js';
export { connectLocal } from './local.js';
export { connectSsh } from './ssh.js';
export { resolveSshConfig, type SshConfigResult } from './ssh-config.js';
export { fingerprint } from './known-hosts.js';

/** Open a connection as the inventory says: `local` runs on this machine, anything else over SSH. */
export async function connect(opts: ConnectOptions): Promise<Connection> {
  return opts.connection === 'local' ? connectLocal(opts.name, opts.becomePassword) : connectSsh(opts);
}
