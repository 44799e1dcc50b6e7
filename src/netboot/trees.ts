// Per-node boot trees, generated from profiles and images/netboot/<image>/:
//   <serial>/config.txt, <serial>/cmdline.txt, <serial>/<firmware...>  Raspberry Pi (TFTP)
//   pxelinux.cfg/01-<mac>                                              U-Boot (TFTP)
//   ipxe/01-<mac>.ipxe                                                 iPXE (HTTP)
//   netboot/<image>/<file>                                             kernels, initramfs (both)
// A node with `boot: local` gets "boot from the local disk" instead of an installer.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DirectoryResolver, memoryFile, safeRelative, type FileResolver, type ServedFile } from './tftp/files.js';
import { dashedMac } from './clients.js';
import type { BootProfile, ProfileSource } from './profiles.js';

export interface TreeOptions {
  profiles: ProfileSource;
  imagesDir: string;
  serverIp: string;
  httpPort: number;
}

const KERNELS = ['vmlinuz', 'kernel8.img', 'kernel_2712.img', 'Image', 'zImage', 'kernel'];
const INITRDS = ['initramfs', 'initramfs.img', 'initrd.img', 'initrd'];

/** The image folder (relative to images/) a profile boots now. */
export function imageFor(p: BootProfile): string {
  return `netboot/${p.boot === 'rescue' ? 'rescue' : p.image ?? 'default'}`;
}

export class BootTrees implements FileResolver {
  private readonly images: DirectoryResolver;
  constructor(private readonly o: TreeOptions) {
    this.images = new DirectoryResolver(o.imagesDir);
  }

  private pick(image: string, names: string[]): string | undefined {
    return names.find((n) => existsSync(path.join(this.o.imagesDir, image, n)));
  }

  private cmdline(p: BootProfile): string {
    return [`rack.node=${p.name}`, `rack.boot=${p.boot}`, `rack.server=${this.o.serverIp}`, p.cmdline ?? ''].join(' ').trim();
  }

  /** The iPXE script for a MAC. */
  ipxeScript(p: BootProfile): string {
    if (p.boot === 'local') return '#!ipxe\necho rack: ${net0/mac} boots from its local disk\nexit\n';
    const image = imageFor(p);
    const base = `http://${this.o.serverIp}:${this.o.httpPort}/${image}`;
    const kernel = this.pick(image, KERNELS) ?? 'vmlinuz';
    const initrd = this.pick(image, INITRDS);
    return ['#!ipxe', `echo rack: ${p.name} (${p.boot})`, `kernel ${base}/${kernel}${initrd ? ` initrd=${initrd}` : ''} ${this.cmdline(p)}`,
      ...(initrd ? [`initrd ${base}/${initrd}`] : []), 'boot', ''].join('\n');
  }

  pxelinuxConfig(p: BootProfile): string {
    if (p.boot === 'local') return 'default local\nlabel local\n  localboot 0\n';
    const image = imageFor(p);
    const kernel = this.pick(image, KERNELS) ?? 'vmlinuz';
    const initrd = this.pick(image, INITRDS);
    const lines = ['default rack', 'label rack', `  kernel /${image}/${kernel}`];
    if (initrd) lines.push(`  initrd /${image}/${initrd}`);
    if (existsSync(path.join(this.o.imagesDir, image, 'dtbs'))) lines.push(`  fdtdir /${image}/dtbs`);
    lines.push(`  append ${this.cmdline(p)}`, '');
    return lines.join('\n');
  }

  piConfig(p: BootProfile): string {
    const image = imageFor(p);
    const kernel = this.pick(image, ['kernel8.img', 'kernel_2712.img', 'Image', 'vmlinuz']) ?? 'kernel8.img';
    const initrd = this.pick(image, INITRDS);
    return ['# rack: ' + p.name, 'arm_64bit=1', `kernel=${kernel}`, ...(initrd ? [`initramfs ${initrd} followkernel`] : []), 'enable_uart=1', ''].join('\n');
  }

  piCmdline(p: BootProfile): string {
    return `console=serial0,115200 console=tty1 ${this.cmdline(p)}\n`;
  }

  async open(name: string, peer: string): Promise<ServedFile | undefined> {
    const rel = safeRelative(name);
    const [head, ...rest] = rel.split('/');
    const tail = rest.join('/');
    if (head === 'netboot' && rest.length) return this.images.open(rel);
    if (head === 'ipxe' && rest.length === 1) {
      const p = this.byMacName(tail.replace(/\.ipxe$/, ''));
      return p ? memoryFile(Buffer.from(this.ipxeScript(p))) : undefined;
    }
    if (head === 'pxelinux.cfg' && rest.length === 1) {
      const p = this.byMacName(tail);
      return p ? memoryFile(Buffer.from(this.pxelinuxConfig(p))) : undefined;
    }
    // Pi prefixes: serial (8 hex digits) or MAC with dashes.
    const pi = /^[0-9a-f]{8}$/i.test(head)
      ? this.o.profiles.bySerial?.(head.toLowerCase())
      : /^([0-9a-f]{2}-){5}[0-9a-f]{2}$/i.test(head) ? this.o.profiles.byMac(head.replace(/-/g, ':').toLowerCase()) : undefined;
    if (pi && rest.length) {
      if (tail === 'config.txt') return memoryFile(Buffer.from(this.piConfig(pi)));
      if (tail === 'cmdline.txt') return memoryFile(Buffer.from(this.piCmdline(pi)));
      const image = imageFor(pi);
      return (await this.images.open(`${image}/firmware/${tail}`)) ?? this.images.open(`${image}/${tail}`);
    }
    void peer;
    return undefined;
  }

  /** `01-aa-bb-cc-dd-ee-ff` (pxelinux/iPXE naming) to a profile. */
  private byMacName(name: string): BootProfile | undefined {
    const m = /^01-((?:[0-9a-f]{2}-){5}[0-9a-f]{2})$/i.exec(name);
    return m ? this.o.profiles.byMac(m[1].replace(/-/g, ':').toLowerCase()) : undefined;
  }
}

export { dashedMac };
