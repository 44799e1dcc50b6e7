import { splitWords } from '../commands/words.js';

/** What rack understands from `ansible_ssh_common_args`-style ssh command-line options. */
export interface SshArgs {
  port?: number;
  user?: string;
  identityFiles?: string[];
  proxyJump?: string;
  knownHostsFiles?: string[];
  /** 'yes' | 'no' | 'accept-new' | 'off' | 'ask' as written. */
  strictHostKeyChecking?: string;
}

function applyOption(out: SshArgs, option: string): void {
  const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*)$/.exec(option);
  if (!m) return;
  const key = m[1].toLowerCase();
  const value = m[2].trim();
  if (key === 'port') out.port = Number(value);
  else if (key === 'user') out.user = value;
  else if (key === 'identityfile') (out.identityFiles ??= []).push(value);
  else if (key === 'proxyjump') out.proxyJump = value;
  else if (key === 'userknownhostsfile') out.knownHostsFiles = splitWords(value);
  else if (key === 'stricthostkeychecking') out.strictHostKeyChecking = value.toLowerCase();
}

/** Parse -o Key=Value, -oKey=Value, -p, -l, -i, -J; other options are ignored. */
export function parseSshArgs(text: string | undefined): SshArgs {
  const out: SshArgs = {};
  if (!text) return out;
  const words = splitWords(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const flag = /^-([opliJ])(.*)$/.exec(w);
    if (!flag) continue;
    const value = flag[2] !== '' ? flag[2] : words[++i];
    if (value === undefined) break;
    if (flag[1] === 'o') applyOption(out, value);
    else if (flag[1] === 'p') out.port = Number(value);
    else if (flag[1] === 'l') out.user = value;
    else if (flag[1] === 'i') (out.identityFiles ??= []).push(value);
    else if (flag[1] === 'J') out.proxyJump = value;
  }
  return out;
}
