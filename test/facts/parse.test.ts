import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { devices } from '../../src/facts/devices.js';
import { parseFacts, splitSections } from '../../src/facts/gather.js';
import { interfaces } from '../../src/facts/interfaces.js';
import { mounts } from '../../src/facts/mounts.js';
import { osRelease } from '../../src/facts/os-release.js';
import { raspberryPi } from '../../src/facts/raspberry-pi.js';
import { route } from '../../src/facts/route.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'rack-facts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('facts from this machine (captured output of the combined script)', () => {
  const facts = parseFacts(splitSections(readFileSync(join(fixtures, 'this-machine.txt'), 'utf8'), 'RACKFACTfixture'));
  it('parses every group', () => {
    expect(facts).toMatchObject({
      os_family: 'Debian',
      distribution: 'debian',
      distribution_version: '12',
      distribution_release: 'bookworm',
      architecture: 'x86_64',
      hostname: 'vm',
      processor_count: 2,
      pkg_mgr: 'apt',
      boot_id: '44802d0d-4271-4bcf-ada0-ea37d7a7597b',
      virtualization: 'docker',
      default_ipv4: { interface: 'eth0', gateway: '192.0.2.1', address: '192.0.2.2' },
    });
    expect(facts.memtotal_mb).toBe(24105);
    expect(facts.interfaces?.eth0).toEqual({
      mac: '02:fc:00:00:00:01',
      ipv4: ['192.0.2.2'],
      ipv6: ['fd00::2', 'fe80::fc:ff:fe00:1'],
      mtu: 1400,
      up: true,
    });
    expect(facts.devices?.vda).toEqual({ size_bytes: 274877906944, removable: false, partitions: [] });
    expect(facts.mounts?.some((m) => m.mount === '/')).toBe(true);
    expect(facts.pi).toBeUndefined();
  });
});

describe('Raspberry Pi 4', () => {
  // /proc/cpuinfo and the device tree as a Pi 4 shows them (NUL-terminated device-tree strings).
  const cpuinfo = `processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x0
CPU part\t: 0xd08
CPU revision\t: 3

processor\t: 3
BogoMIPS\t: 108.00

Revision\t: c03114
Serial\t\t: 10000000a3b4c5d6
Model\t\t: Raspberry Pi 4 Model B Rev 1.4
`;
  const dt = join(tmp, 'device-tree');
  mkdirSync(dt);
  writeFileSync(join(dt, 'model'), 'Raspberry Pi 4 Model B Rev 1.4\0');
  writeFileSync(join(dt, 'serial-number'), '10000000a3b4c5d6\0');
  writeFileSync(join(tmp, 'cpuinfo'), cpuinfo);
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'rpi-eeprom-config'), '#!/bin/sh\nprintf "[all]\\nBOOT_UART=0\\nBOOT_ORDER=0xf241\\n"\n', { mode: 0o755 });

  const run = (withEeprom: boolean): string => {
    const cmd = raspberryPi.command.replaceAll('/proc/device-tree', dt).replaceAll('/proc/cpuinfo', join(tmp, 'cpuinfo'));
    // The exit status is not used by gatherFacts (a missing tool only means a missing fact).
    return spawnSync('sh', ['-c', cmd], {
      encoding: 'utf8',
      env: { PATH: withEeprom ? `${bin}:/usr/bin:/bin` : '/usr/bin:/bin' },
    }).stdout;
  };

  it('reads model, serial, revision and EEPROM boot order through the real command', () => {
    expect(raspberryPi.parse(run(true))).toEqual({
      pi: { model: 'Raspberry Pi 4 Model B Rev 1.4', serial: '10000000a3b4c5d6', revision: 'c03114', eeprom_boot_order: '0xf241' },
    });
    expect(raspberryPi.parse(run(false)).pi?.eeprom_boot_order).toBeUndefined();
  });

  it('says nothing on other machines', () => {
    expect(raspberryPi.parse('dt_model=\ndt_serial=\n')).toEqual({});
  });

  it('knows Raspberry Pi OS (raspbian) as Debian', () => {
    const text = 'PRETTY_NAME="Raspbian GNU/Linux 12 (bookworm)"\nID=raspbian\nID_LIKE=debian\nVERSION_ID="12"\nVERSION="12 (bookworm)"\n';
    expect(osRelease.parse(text)).toEqual({ distribution: 'raspbian', distribution_version: '12', distribution_release: 'bookworm', os_family: 'Debian' });
  });
});

describe('fallbacks for hosts without ip -j or lsblk', () => {
  it('parses /sys/class/net lines with ip -o addr', () => {
    const text = `if eth0 dc:a6:32:01:02:03 1500 0x1003
if wlan0 dc:a6:32:01:02:04 1500 0x1002
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever
2: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever`;
    expect(interfaces.parse(text).interfaces).toEqual({
      eth0: { mac: 'dc:a6:32:01:02:03', ipv4: ['10.0.0.5'], ipv6: ['fe80::1'], mtu: 1500, up: true },
      wlan0: { mac: 'dc:a6:32:01:02:04', ipv4: [], ipv6: [], mtu: 1500, up: false },
    });
    expect(route.parse('default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 100\n')).toEqual({
      default_ipv4: { interface: 'eth0', gateway: '10.0.0.1' },
    });
  });

  it('parses /sys/block lines and lsblk trees', () => {
    expect(devices.parse('blk mmcblk0 62333952 0  mmcblk0p1 mmcblk0p2|\nblk sda 1000 1 |USB DISK\n').devices).toEqual({
      mmcblk0: { size_bytes: 62333952 * 512, removable: false, partitions: ['mmcblk0p1', 'mmcblk0p2'] },
      sda: { size_bytes: 512000, removable: true, partitions: [], model: 'USB DISK' },
    });
    const lsblk = JSON.stringify({ blockdevices: [{ name: 'sda', size: '1024', model: 'X ', rm: '1', children: [{ name: 'sda1' }] }] });
    expect(devices.parse(lsblk).devices).toEqual({ sda: { size_bytes: 1024, model: 'X', removable: true, partitions: ['sda1'] } });
  });

  it('decodes escaped mount points', () => {
    expect(mounts.parse('/dev/sda1 /media/my\\040disk vfat rw,relatime 0 0\n').mounts).toEqual([
      { device: '/dev/sda1', mount: '/media/my disk', fstype: 'vfat', options: 'rw,relatime' },
    ]);
  });
});
