import { sh, ShellText } from '../../commands/quote.js';
import { exec } from '../../commands/types.js';
import { str } from '../args.js';
import type { ModuleDef } from '../types.js';

/**
 * One polling loop on the host: no probe (there is no state to compare), ok rather than
 * changed, and it runs in --check too (it only reads).
 */
export const waitFor: ModuleDef = {
  name: 'wait_for',
  readOnly: true,
  plan(args) {
    const state = str(args.state) ?? 'started';
    const port = args.port !== undefined ? Number(args.port) : undefined;
    const host = str(args.host) ?? '127.0.0.1';
    const path = str(args.path);
    const regex = str(args.search_regex);
    const wantThere = state === 'started' || state === 'present';
    const ct = Number(args.connect_timeout ?? 5);
    let check: ShellText;
    if (port !== undefined) {
      if (regex) return { commands: [], failed: 'wait_for: search_regex with port is not supported; use path' };
      const probe = `exec 3<>/dev/tcp/${host}/${port}`;
      check = sh`timeout ${ct} bash -c ${probe} 2>/dev/null`;
    } else if (path) check = regex ? sh`grep -Pq -- ${regex} ${path} 2>/dev/null` : sh`[ -e ${path} ]`;
    else check = sh`true`;
    if (state === 'drained') return { commands: [], failed: "wait_for: state 'drained' is not supported" };
    const timeout = Number(args.timeout ?? 300);
    const msg = str(args.msg) ?? `Timeout when waiting for ${port !== undefined ? `${host}:${port}` : path}${wantThere ? '' : ' to stop'}`;
    const test = wantThere ? check.text : `! { ${check.text}; }`;
    const text = [
      `s=$(date +%s); end=$((s + ${timeout}))`,
      Number(args.delay ?? 0) > 0 ? `sleep ${Number(args.delay)}` : '',
      `while :; do`,
      `  if ${test}; then echo "elapsed=$(( $(date +%s) - s ))"; exit 0; fi`,
      `  if [ "$(date +%s)" -ge "$end" ]; then echo ${sh`${msg}`.text} >&2; exit 1; fi`,
      `  sleep ${Number(args.sleep ?? 1)}`,
      `done`,
    ]
      .filter(Boolean)
      .join('\n');
    return { commands: [exec(new ShellText(text, `wait_for ${check.shown}`), { capture: true })], changed: false, result: { state, port, path } };
  },
};
