/** Host names with ranges (`node[01:18]`, `rack[a:c]`, `[1:9:2]`) and `host:port` suffixes. */

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alnumRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const v6 = String.raw`(?:[0-9a-f]{1,4}|${hexRange})`;
const v4 = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const label = String.raw`(?:[\p{L}\p{N}_]|${alnumRange})(?:[\p{L}\p{N}_-]|${alnumRange})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
export const IPV4 = new RegExp(String.raw`^(?:${v4}\.){3}${v4}$`, 'i');
export const IPV6 = new RegExp(
  '^(?:' +
    [
      `(?:${v6}:){7}${v6}`,
      `(?:${v6}:){1,6}:`,
      `(?:${v6}:)(?::${v6}){1,6}`,
      `(?:${v6}:){2}(?::${v6}){1,5}`,
      `(?:${v6}:){3}(?::${v6}){1,4}`,
      `(?:${v6}:){4}(?::${v6}){1,3}`,
      `(?:${v6}:){5}(?::${v6}){1,2}`,
      `(?:${v6}:){6}(?::${v6})`,
      `:(?::${v6}){1,6}`,
      `${v6}?::`,
      String.raw`(?:0:){6}(?:${v6}\.){3}${v6}`,
      String.raw`::(?:ffff:)?(?:${v6}\.){3}${v6}`,
      String.raw`(?:0:){5}ffff:(?:${v6}\.){3}${v6}`,
    ].join('|') +
    ')$',
  'i',
);
const HOSTNAME = new RegExp(String.raw`^${label}(?:\.${label})*$`, 'iu');

/**
 * Split `host[:port]` (IPv6 needs brackets for a port). Returns undefined when the text is
 * not a host name or address at all (it is then used verbatim, as Ansible does).
 */
export function parseAddress(text: string, allowRanges = true): { host: string; port?: number } | undefined {
  let address = text;
  let port: number | undefined;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(address);
    if (m) {
      address = m[1];
      port = Number(m[2]);
    }
  }
  if (!IPV4.test(address) && !IPV6.test(address) && !HOSTNAME.test(address)) return undefined;
  if (!allowRanges && address.includes('[')) return undefined;
  return port === undefined ? { host: address } : { host: address, port };
}

export class RangeError_ extends Error {}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Expand the first `[begin:end(:step)]` of a name, then the rest, recursively. */
export function expandRanges(name: string): string[] {
  const open = name.indexOf('[');
  if (open < 0) return [name];
  const close = name.indexOf(']');
  if (close < 0 || close < open) throw new RangeError_(`unbalanced brackets in host range '${name}'`);
  const head = name.slice(0, open);
  const body = name.slice(open + 1, close);
  const tail = name.slice(close + 1);
  const bounds = body.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new RangeError_('host range must be begin:end or begin:end:step');
  const beg = bounds[0] || '0';
  const end = bounds[1];
  const stepText = bounds.length === 3 ? bounds[2] : '1';
  if (!end) throw new RangeError_('host range must specify end value');
  let fill = (x: number | string): string => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    if (beg.length !== end.length) throw new RangeError_('host range must specify equal-length begin and end formats');
    fill = (x) => String(x).padStart(beg.length, '0');
  }
  const step = pyInt(stepText);
  if (step === 0) throw new RangeError_('host range step must not be zero');
  let seq: Array<string | number>;
  const bi = beg.length === 1 ? LETTERS.indexOf(beg) : -1;
  const ei = end.length === 1 ? LETTERS.indexOf(end) : -1;
  if (bi >= 0 && ei >= 0) {
    if (bi > ei) throw new RangeError_('host range must have begin <= end');
    if (step < 0) throw new RangeError_('host range step must be positive for letters');
    seq = [];
    for (let i = bi; i <= ei; i += step) seq.push(LETTERS[i]);
  } else {
    const b = pyInt(beg);
    const e = pyInt(end) + 1;
    seq = [];
    if (step > 0) for (let i = b; i < e; i += step) seq.push(i);
    else for (let i = b; i > e; i += step) seq.push(i);
  }
  const out: string[] = [];
  for (const x of seq) out.push(...expandRanges(head + fill(x) + tail));
  return out;
}

function pyInt(text: string): number {
  const t = text.trim();
  if (!/^[+-]?[0-9](?:_?[0-9])*$/.test(t)) throw new RangeError_(`'${text}' is not a number in a host range`);
  return Number(t.replace(/_/g, ''));
}

/** Names a host line or YAML host key stands for, and the port given with it. */
export function expandHostPattern(pattern: string): { names: string[]; port?: number } {
  const parsed = parseAddress(pattern);
  const base = parsed ? parsed.host : pattern;
  const names = base.includes('[') ? expandRanges(base) : [base];
  return parsed?.port === undefined ? { names } : { names, port: parsed.port };
}
