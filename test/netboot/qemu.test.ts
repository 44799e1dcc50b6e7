// QEMU (software emulation) netboots from `rack netboot` alone, in a namespace this test creates:
// a bridge holding the server address, with one tap device per virtual machine.
//   UEFI: OVMF's own PXE (no iPXE ROM on the NIC) -> DHCP -> TFTP ipxe.efi -> iPXE DHCP (77 "iPXE")
//         -> HTTP script -> kernel + initramfs over HTTP. The same chain as a real PXE machine.
//   BIOS: QEMU's iPXE NIC ROM already is iPXE -> DHCP -> HTTP script -> kernel + initramfs.
// The initramfs (built here) prints a marker on the serial console and powers the machine off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { have, isRoot, repoRoot, serveInNs, sh, type Served } from './netns.js';
import { BOOT_MARKER, buildTestInitramfs } from '../fixtures/netboot/initramfs.js';

const KERNEL = path.join(repoRoot, 'images/test-kernel/vmlinuz');
const OVMF = ['/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd'].find((f) => existsSync(f));
const IPXE_EFI = '/usr/lib/ipxe/ipxe.efi';
const IPXE_ROM = ['/usr/lib/ipxe/qemu/pxe-e1000.rom', '/usr/share/qemu/pxe-e1000.rom'].find((f) => existsSync(f));

const missing = !isRoot ? 'needs root (network namespaces, tap devices)'
  : !have('qemu-system-x86_64') ? 'needs qemu-system-x86'
  : !have('gcc') ? 'needs gcc (static /init for the initramfs)'
  : !existsSync(KERNEL) ? 'needs images/test-kernel/vmlinuz (run test/fixtures/netboot/fetch-test-kernel.sh)'
  : '';
const uefiMissing = !OVMF ? 'needs ovmf (UEFI firmware with its own PXE client)' : !existsSync(IPXE_EFI) ? `needs ipxe (${IPXE_EFI})` : '';
const biosMissing = !IPXE_ROM ? 'needs ipxe-qemu (pxe-e1000.rom)' : '';

const NS = 'rk-nb-qemu';
const SUBNET = '10.77.40';
const BOOT_TIMEOUT_MS = 300_000; // TCG on a loaded 2-core machine: a boot takes 30-90 s, allow far more

interface Vm { name: string; mac: string; address: string; tap: string }
const UEFI_VM: Vm = { name: 'vm-uefi', mac: '52:54:00:77:40:07', address: `${SUBNET}.57`, tap: 'tap7' };
const BIOS_VM: Vm = { name: 'vm-bios', mac: '52:54:00:77:40:00', address: `${SUBNET}.50`, tap: 'tap0' };

type Ev = Record<string, unknown>;

describe.skipIf(missing !== '')(`QEMU PXE-boots from rack ${missing}`, () => {
  let dir: string;
  let served: Served | undefined;
  const vms: ChildProcess[] = [];
  let initramfsSize = 0;
  let kernelSize = 0;
  let efiSize = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rk-nb-qemu-'));
    const image = path.join(dir, 'images/netboot/default');
    const tftpRoot = path.join(dir, 'images/netboot/tftp');
    mkdirSync(image, { recursive: true });
    mkdirSync(tftpRoot, { recursive: true });
    copyFileSync(KERNEL, path.join(image, 'vmlinuz')); // a copy: rack refuses symlinks leading out of images/
    writeFileSync(path.join(image, 'initramfs'), buildTestInitramfs(dir));
    kernelSize = statSync(path.join(image, 'vmlinuz')).size;
    initramfsSize = statSync(path.join(image, 'initramfs')).size;
    if (existsSync(IPXE_EFI)) {
      copyFileSync(IPXE_EFI, path.join(tftpRoot, 'ipxe.efi'));
      efiSize = statSync(IPXE_EFI).size;
    }
    writeFileSync(path.join(dir, 'hosts.json'), JSON.stringify([UEFI_VM, BIOS_VM].map((vm) => ({
      name: vm.name,
      vars: { mac: vm.mac, ansible_host: vm.address, netboot_cmdline: 'console=ttyS0 panic=-1' },
    }))));

    try { sh('ip', ['netns', 'del', NS]); } catch { /* leftover from a killed run, or absent */ }
    sh('ip', ['netns', 'add', NS]);
    const ip = (...args: string[]) => sh('ip', ['-n', NS, ...args]);
    ip('link', 'set', 'lo', 'up');
    // A bridge has carrier only with a live port, and rack looks up its address before any VM starts:
    // a veth pair (both ends in the namespace) is that port.
    ip('link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0');
    ip('link', 'add', 'brport0', 'type', 'veth', 'peer', 'name', 'brport1');
    ip('link', 'set', 'brport0', 'master', 'br0');
    for (const vm of [UEFI_VM, BIOS_VM]) {
      ip('tuntap', 'add', vm.tap, 'mode', 'tap');
      ip('link', 'set', vm.tap, 'master', 'br0');
      ip('link', 'set', vm.tap, 'up');
    }
    ip('addr', 'add', `${SUBNET}.1/24`, 'dev', 'br0');
    ip('link', 'set', 'brport0', 'up');
    ip('link', 'set', 'brport1', 'up');
    ip('link', 'set', 'br0', 'up');
    // The LAN's default route, as on a one-NIC server: it also carries 255.255.255.255, the only
    // broadcast UEFI PXE accepts before it has an address.
    ip('route', 'add', 'default', 'dev', 'br0');
    for (const deadline = Date.now() + 30_000; !/state UP/.test(ip('-o', 'link', 'show', 'br0'));) {
      if (Date.now() > deadline) throw new Error(`br0 in ${NS} never came up: ${ip('-o', 'link', 'show', 'br0')}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    served = serveInNs(NS, path.join(dir, 'hosts.json'), ['--mode', 'authoritative', '--interface', 'br0', '--images', path.join(dir, 'images'), '--http-port', '8080']);
    await served.waitFor((e) => e.type === 'listening' && e.proto === 'dhcp', 60_000);
  }, 180_000);

  afterAll(async () => {
    for (const vm of vms) {
      if (vm.exitCode === null && vm.signalCode === null && vm.pid) {
        try { process.kill(vm.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
    await served?.stop();
    try { sh('ip', ['netns', 'del', NS]); } catch { /* never created */ }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts QEMU in the namespace; resolves with the serial log once the marker shows or QEMU exits. */
  async function boot(vm: Vm, machineArgs: string[]): Promise<{ serial: string; exit: number | null }> {
    const log = path.join(dir, `${vm.name}.serial`);
    const qemu = spawn('ip', ['netns', 'exec', NS, 'qemu-system-x86_64', '-accel', 'tcg', '-m', '256', '-nodefaults', '-display', 'none',
      '-monitor', 'none', '-serial', `file:${log}`, '-no-reboot', '-boot', 'n',
      '-netdev', `tap,id=n0,ifname=${vm.tap},script=no,downscript=no`, ...machineArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    vms.push(qemu);
    const stderr: string[] = [];
    qemu.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    const exited = new Promise<number | null>((r) => qemu.once('exit', (code) => r(code)));
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    const serial = () => (existsSync(log) ? readFileSync(log, 'latin1') : '');
    while (!serial().includes(BOOT_MARKER) && qemu.exitCode === null && qemu.signalCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    // /init powers off right after the marker: give QEMU time to exit on its own, then kill it.
    const exit = await Promise.race([exited, new Promise<'slow'>((r) => setTimeout(() => r('slow'), 30_000))]);
    if (exit === 'slow' && qemu.pid) process.kill(qemu.pid, 'SIGKILL');
    const text = serial();
    if (!text.includes(BOOT_MARKER)) {
      throw new Error(`${vm.name}: no ${BOOT_MARKER} on the serial console\nqemu: ${stderr.join('')}\nserial tail: ${text.slice(-3000)}\nrack: ${served!.stderr.join('').slice(-3000)}`);
    }
    return { serial: text, exit: exit === 'slow' ? null : exit };
  }

  const events = () => served!.events;
  const indexOf = (pred: (e: Ev) => boolean) => events().findIndex(pred);
  const scriptPath = (vm: Vm) => `ipxe/01-${vm.mac.replace(/:/g, '-')}.ipxe`;
  const httpDone = (vm: Vm, file: string) => (e: Ev) =>
    e.type === 'transfer-done' && e.proto === 'http' && e.file === file && String(e.peer).startsWith(`${vm.address}:`);

  it.skipIf(uefiMissing !== '')(`UEFI PXE: DHCP, TFTP ipxe.efi, iPXE script over HTTP, kernel and initramfs ${uefiMissing}`, async () => {
    const vm = UEFI_VM;
    const { serial } = await boot(vm, ['-bios', OVMF!,
      // romfile= (empty): no iPXE ROM, so OVMF's own PXE client boots the way a real UEFI machine's does
      '-device', `virtio-net-pci,netdev=n0,mac=${vm.mac},romfile=`]);
    expect(serial).toContain(BOOT_MARKER);

    // Stage 1: the firmware's PXE client (no option 77) is told to fetch iPXE by TFTP.
    const pxeMachine = indexOf((e) => e.type === 'machine' && e.mac === vm.mac && e.kind === 'uefi-pxe' && e.name === vm.name);
    const pxeAck = indexOf((e) => e.type === 'dhcp' && e.message === 'ack' && e.mac === vm.mac && e.bootFile === 'ipxe.efi' && e.address === vm.address);
    expect(pxeMachine).toBeGreaterThanOrEqual(0);
    expect(indexOf((e) => e.type === 'dhcp' && e.message === 'offer' && e.mac === vm.mac && e.bootFile === 'ipxe.efi')).toBeGreaterThanOrEqual(0);
    expect(pxeAck).toBeGreaterThan(pxeMachine);
    const tftpDone = indexOf((e) => e.type === 'transfer-done' && e.proto === 'tftp' && e.file === 'ipxe.efi' && e.bytes === efiSize && String(e.peer).startsWith(`${vm.address}:`));
    expect(tftpDone).toBeGreaterThan(pxeAck);

    // Stage 2: iPXE asks again with user class "iPXE" and gets its script URL, not ipxe.efi again.
    const scriptUrl = `http://${SUBNET}.1:8080/${scriptPath(vm)}`;
    const ipxeAck = indexOf((e) => e.type === 'dhcp' && e.message === 'ack' && e.mac === vm.mac && e.bootFile === scriptUrl);
    expect(ipxeAck).toBeGreaterThan(tftpDone);
    expect(events().some((e) => e.type === 'machine' && e.mac === vm.mac && e.kind === 'ipxe')).toBe(true);
    expect(events().filter((e) => e.type === 'transfer-done' && e.proto === 'tftp' && e.file === 'ipxe.efi')).toHaveLength(1); // no chainload loop

    // Stage 3: script, kernel and initramfs over HTTP, whole.
    const script = indexOf(httpDone(vm, scriptPath(vm)));
    expect(script).toBeGreaterThan(ipxeAck);
    expect(events().find(httpDone(vm, 'netboot/default/vmlinuz'))?.bytes).toBe(kernelSize);
    expect(events().find(httpDone(vm, 'netboot/default/initramfs'))?.bytes).toBe(initramfsSize);
    expect(indexOf(httpDone(vm, 'netboot/default/vmlinuz'))).toBeGreaterThan(script);
  }, BOOT_TIMEOUT_MS + 60_000);

  it.skipIf(biosMissing !== '')(`BIOS with QEMU's iPXE NIC ROM: DHCP, iPXE script over HTTP, kernel and initramfs ${biosMissing}`, async () => {
    const vm = BIOS_VM;
    const { serial } = await boot(vm, ['-device', `e1000,netdev=n0,mac=${vm.mac},romfile=${IPXE_ROM!}`]);
    expect(serial).toContain(BOOT_MARKER);

    // The ROM is iPXE (option 77): it goes straight to its script, with nothing over TFTP.
    const scriptUrl = `http://${SUBNET}.1:8080/${scriptPath(vm)}`;
    expect(events().some((e) => e.type === 'machine' && e.mac === vm.mac && e.kind === 'ipxe')).toBe(true);
    const ack = indexOf((e) => e.type === 'dhcp' && e.message === 'ack' && e.mac === vm.mac && e.bootFile === scriptUrl && e.address === vm.address);
    expect(ack).toBeGreaterThanOrEqual(0);
    expect(events().some((e) => e.proto === 'tftp' && String(e.peer ?? '').startsWith(`${vm.address}:`))).toBe(false);
    expect(indexOf(httpDone(vm, scriptPath(vm)))).toBeGreaterThan(ack);
    expect(events().find(httpDone(vm, 'netboot/default/vmlinuz'))?.bytes).toBe(kernelSize);
    expect(events().find(httpDone(vm, 'netboot/default/initramfs'))?.bytes).toBe(initramfsSize);
  }, BOOT_TIMEOUT_MS + 60_000);
});
