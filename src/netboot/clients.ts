// Which boot client sent a DHCP request, and what it needs back. A data table, first match wins:
// order matters where signatures overlap (a Pi and BIOS PXE send the same vendor class).
import { OPT, type DhcpPacket } from './dhcp/packet.js';

export type ClientKind = 'rpi' | 'ipxe' | 'uefi-http' | 'uboot' | 'uefi-pxe' | 'bios-pxe';

/** What the request told us, extracted once. */
export interface ClientFacts {
  mac: string;
  arch?: number; // option 93
  vendorClass?: string; // option 60
  userClass?: string; // option 77
  hasIpxeFeatures: boolean; // option 175
  piSerial?: string; // from option 97, 8 lowercase hex digits
  piModel?: string; // 'RPi4' | 'RPi5'
}

export interface ClientMatch {
  vendorPrefix?: string;
  userClass?: string;
  ipxeFeatures?: boolean;
  archIn?: number[];
  /** Pi: FourCC in option 97, or a Raspberry Pi MAC OUI. */
  raspberryPi?: boolean;
}

/** What to answer: 'tftp' names a file under the TFTP root; 'http' a path on rack's HTTP server. */
export interface ClientReply {
  vendorClassEcho?: 'PXEClient' | 'HTTPClient';
  piMenu?: boolean; // option 43 "Raspberry Pi Boot" PXE menu
  bootFile?: { via: 'tftp' | 'http'; path: (f: ClientFacts) => string };
}

export interface ClientRule {
  kind: ClientKind;
  match: ClientMatch;
  reply: ClientReply;
}

/** Raspberry Pi Ltd / Foundation OUIs. */
export const PI_OUIS = ['b8:27:eb', 'dc:a6:32', 'e4:5f:01', 'd8:3a:dd', '28:cd:c1', '2c:cf:67'];

export const dashedMac = (mac: string): string => mac.replace(/:/g, '-');

/** iPXE's per-machine script on the HTTP server. */
export const ipxeScriptPath = (mac: string): string => `/ipxe/01-${dashedMac(mac)}.ipxe`;

const EFI_IPXE: Record<number, string> = { 6: 'ipxe-i386.efi', 7: 'ipxe.efi', 9: 'ipxe.efi', 10: 'ipxe-arm32.efi', 11: 'ipxe-arm64.efi' };
const HTTP_EFI: Record<number, string> = { 15: '/ipxe-i386.efi', 16: '/ipxe.efi', 19: '/ipxe-arm64.efi' };

export const CLIENT_TABLE: ClientRule[] = [
  // iPXE first: an iPXE build also says "PXEClient", but it can fetch an HTTP script.
  { kind: 'ipxe', match: { userClass: 'iPXE' }, reply: { bootFile: { via: 'http', path: (f) => ipxeScriptPath(f.mac) } } },
  { kind: 'ipxe', match: { ipxeFeatures: true }, reply: { bootFile: { via: 'http', path: (f) => ipxeScriptPath(f.mac) } } },
  // The Pi claims arch 0 (x86 BIOS): tell it apart by option 97 or OUI, never by 93 alone.
  {
    kind: 'rpi',
    match: { vendorPrefix: 'PXEClient', raspberryPi: true },
    reply: { vendorClassEcho: 'PXEClient', piMenu: true },
  },
  {
    kind: 'uefi-http',
    match: { vendorPrefix: 'HTTPClient' },
    reply: { vendorClassEcho: 'HTTPClient', bootFile: { via: 'http', path: (f) => HTTP_EFI[f.arch ?? 16] ?? '/ipxe.efi' } },
  },
  { kind: 'uboot', match: { vendorPrefix: 'U-Boot' }, reply: { bootFile: { via: 'tftp', path: () => 'pxelinux.0' } } },
  {
    kind: 'uefi-pxe',
    match: { vendorPrefix: 'PXEClient', archIn: [6, 7, 9, 10, 11] },
    reply: { vendorClassEcho: 'PXEClient', bootFile: { via: 'tftp', path: (f) => EFI_IPXE[f.arch ?? 7] ?? 'ipxe.efi' } },
  },
  { kind: 'bios-pxe', match: { vendorPrefix: 'PXEClient', archIn: [0] }, reply: { vendorClassEcho: 'PXEClient', bootFile: { via: 'tftp', path: () => 'undionly.kpxe' } } },
];

/**
 * Option 97 from the Pi EEPROM: 00 + FourCC + board revision + low MAC bytes + serial.
 * The byte order is seen both ways; a reversed FourCC means the serial is reversed too.
 */
function piIdentity(uuid: Buffer | undefined): { model: string; serial: string } | undefined {
  if (!uuid || uuid.length !== 17) return undefined;
  const four = uuid.subarray(1, 5).toString('latin1');
  const reversed = [...four].reverse().join('');
  const serialBytes = Buffer.from(uuid.subarray(13, 17));
  if (/^RPi\d$/.test(four)) return { model: four, serial: serialBytes.toString('hex') };
  if (/^RPi\d$/.test(reversed)) return { model: reversed, serial: serialBytes.reverse().toString('hex') };
  return undefined;
}

export function clientFacts(p: DhcpPacket, mac: string): ClientFacts {
  const archBuf = p.options.get(OPT.CLIENT_ARCH);
  const pi = piIdentity(p.options.get(OPT.CLIENT_UUID));
  const facts: ClientFacts = { mac, hasIpxeFeatures: p.options.has(OPT.IPXE_FEATURES) };
  if (archBuf && archBuf.length >= 2) facts.arch = archBuf.readUInt16BE(0);
  const vc = p.options.get(OPT.VENDOR_CLASS);
  if (vc) facts.vendorClass = vc.toString('latin1');
  const uc = p.options.get(OPT.USER_CLASS);
  if (uc) facts.userClass = uc.toString('latin1');
  if (pi) {
    facts.piSerial = pi.serial;
    facts.piModel = pi.model;
  }
  return facts;
}

function matches(m: ClientMatch, f: ClientFacts): boolean {
  if (m.vendorPrefix !== undefined && !f.vendorClass?.startsWith(m.vendorPrefix)) return false;
  // iPXE's user class may arrive RFC 3004-encoded (length-prefixed) or raw.
  if (m.userClass !== undefined && !f.userClass?.includes(m.userClass)) return false;
  if (m.ipxeFeatures !== undefined && f.hasIpxeFeatures !== m.ipxeFeatures) return false;
  if (m.archIn !== undefined && (f.arch === undefined || !m.archIn.includes(f.arch))) return false;
  if (m.raspberryPi !== undefined) {
    const isPi = f.piSerial !== undefined || PI_OUIS.includes(f.mac.slice(0, 8));
    if (isPi !== m.raspberryPi) return false;
  }
  return true;
}

export function detectClient(f: ClientFacts, table: ClientRule[] = CLIENT_TABLE): ClientRule | undefined {
  return table.find((rule) => matches(rule.match, f));
}

/** Option 43 PXE menu the Pi EEPROM requires ("Raspberry Pi Boot"), as dnsmasq's pxe-service builds it. */
export function piBootMenu(label = 'Raspberry Pi Boot'): Buffer {
  const text = Buffer.from(label, 'latin1');
  const item = Buffer.concat([Buffer.from([0x00, 0x00, text.length]), text]);
  return Buffer.concat([
    Buffer.from([6, 1, 3]), // discovery control
    Buffer.from([10, 4, 0]), Buffer.from('PXE', 'latin1'), // prompt: timeout 0
    Buffer.from([9, item.length]), item, // boot menu
    Buffer.from([255]),
  ]);
}
