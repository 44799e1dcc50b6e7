import type { FactGroup } from './group.js';
import type { Facts } from './types.js';

type Devices = NonNullable<Facts['devices']>;

interface LsblkDevice {
  name: string;
  size?: number | string | null;
  model?: string | null;
  rm?: boolean | string | number | null;
  children?: LsblkDevice[];
}

const truthy = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 'true';

function fromLsblk(list: LsblkDevice[]): Devices {
  const out: Devices = {};
  for (const d of list) {
    out[d.name] = {
      size_bytes: Number(d.size ?? 0),
      ...(d.model?.trim() ? { model: d.model.trim() } : {}),
      removable: truthy(d.rm),
      partitions: (d.children ?? []).map((c) => c.name),
    };
  }
  return out;
}

/** Fallback lines from /sys/block: `blk NAME SECTORS REMOVABLE PARTS|MODEL`. */
function fromSys(text: string): Devices {
  const out: Devices = {};
  for (const line of text.split('\n')) {
    const m = /^blk (\S+) (\d+) (\d) ([^|]*)\|(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]] = {
      size_bytes: Number(m[2]) * 512,
      ...(m[5].trim() ? { model: m[5].trim() } : {}),
      removable: m[3] === '1',
      partitions: m[4].trim() ? m[4].trim().split(/\s+/) : [],
    };
  }
  return out;
}

export const devices: FactGroup = {
  name: 'devices',
  command: `lsblk -J -b -o NAME,SIZE,MODEL,RM,TYPE 2>/dev/null || for d in /sys/block/*; do
  n=\${d##*/}; s=0; r=0; m=; p=
  read -r s <"$d/size"; read -r r <"$d/removable"; [ -r "$d/device/model" ] && read -r m <"$d/device/model"
  for x in "$d/$n"*; do [ -e "$x/partition" ] && p="$p \${x##*/}"; done
  echo "blk $n $s $r $p|$m"
done`,
  parse(stdout) {
    const text = stdout.trim();
    if (!text) return {};
    if (text.startsWith('{')) {
      try {
        return { devices: fromLsblk((JSON.parse(text) as { blockdevices?: LsblkDevice[] }).blockdevices ?? []) };
      } catch {
        return {};
      }
    }
    return { devices: fromSys(text) };
  },
};
