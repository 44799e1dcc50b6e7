// A Raspberry Pi 4 network boot against `rack netboot`, with a scripted EEPROM bootloader
// (pi4-client.ts) in its own namespace: rack as the only DHCP server, and rack as proxyDHCP beside
// dnsmasq handing out the addresses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { have, isRoot, makeLan, makePair, repoRoot, serveInNs, stopChild, type Lan, type NsPair, type Served } from './netns.js';
import type { Pi4Report, TftpStep } from './pi4-client.js';

const missing = !isRoot ? 'needs root (network namespaces)' : ['ip', 'nft', 'dnsmasq'].filter((t) => !have(t)).map((t) => `needs ${t}`).join(', ');

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const SERIAL = '9ffefdef';
const LOCAL_SERIAL = '1234abcd';
const MISSES = ['autoboot.txt', 'pieeprom.sig', 'pieeprom.upd', 'dt-blob.bin', 'bootcfg.txt', 'overlays/overlay_map.dtb', 'armstub8.bin'];
/** The reads of a successful Pi 4 boot, in the reference's order. */
const READS = ['config.txt', 'start4.elf', 'fixup4.dat', 'config.txt', 'initramfs', 'bcm2711-rpi-4-b.dtb', 'config.txt', 'overlays/x.dtbo', 'cmdline.txt', 'kernel8.img'];

/** images/netboot/default with random firmware, kernel and initramfs; returns Pi path -> content. */
function buildImages(imagesDir: string): Map<string, Buffer> {
  const base = path.join(imagesDir, 'netboot', 'default');
  mkdirSync(path.join(base, 'firmware', 'overlays'), { recursive: true });
  const files: Array<[string, string, number]> = [
    ['firmware', 'start4.elf', 2_200_007],
    ['firmware', 'fixup4.dat', 5_446],
    ['firmware', 'bcm2711-rpi-4-b.dtb', 52_593],
    ['firmware', 'overlays/x.dtbo', 1_024 * 3], // ends on a block boundary
    ['', 'kernel8.img', 1_000_003],
    ['', 'initramfs', 3_000_011],
  ];
  const served = new Map<string, Buffer>();
  for (const [sub, name, size] of files) {
    const data = randomBytes(size);
    writeFileSync(path.join(base, sub, name), data);
    served.set(name, data);
  }
  return served;
}

interface PiRun { code: number | null; report: Pi4Report; stderr: string }

const children = new Set<ChildProcess>();

/** The emulator in the Pi's namespace; resolves with its exit code and JSON report. */
function bootPi(ns: string, iface: string, mac: string, serial: string, saveDir: string, extra: string[] = []): Promise<PiRun> {
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
  const args = ['netns', 'exec', ns, tsx, path.join(repoRoot, 'test/netboot/pi4-client.ts'), '--iface', iface, '--mac', mac, '--serial', serial, '--overlay', 'x', '--save', saveDir, ...extra];
  const p = spawn('ip', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(p);
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => p.once('exit', (code) => {
    children.delete(p);
    try {
      resolve({ code, report: JSON.parse(out.trim().split('\n').pop() ?? ''), stderr: err });
    } catch {
      reject(new Error(`pi4-client exited ${code} without a report: ${err.slice(-2000)}`));
    }
  }));
}

const stepsOf = (r: Pi4Report, kind: TftpStep['kind']) => r.tftp.filter((s) => s.kind === kind);
const count = (served: Served, pred: (e: Record<string, unknown>) => boolean) => served.events.filter(pred).length;

/** What every successful boot must show, whoever handed out the address. */
async function expectCompleteBoot(run: PiRun, served: Served, files: Map<string, Buffer>, saveDir: string, rackIp: string): Promise<void> {
  expect(run.report.error).toBeUndefined();
  expect(run.code).toBe(0);
  const r = run.report;
  expect(r.dhcp.bootServer).toBe(rackIp);

  // Every RRQ from its own source port.
  expect(new Set(r.tftp.map((s) => s.sourcePort)).size).toBe(r.tftp.length);

  // The existence probe: rack offered the file (tsize) and took "Early terminate" as routine.
  const [probe] = stepsOf(r, 'probe');
  expect(probe).toMatchObject({ file: `${SERIAL}/start4.elf`, ok: true, tsize: files.get('start4.elf')!.length, blksize: 1024 });

  // Reads: the reference's sequence, each byte-identical to what rack should serve.
  const reads = stepsOf(r, 'read');
  expect(reads.map((s) => s.file)).toEqual(READS.map((f) => `${SERIAL}/${f}`));
  for (const s of reads) {
    const name = s.file.slice(SERIAL.length + 1);
    expect(s.ok, s.file).toBe(true);
    expect(s.blksize, s.file).toBe(1024);
    const want = files.get(name) ?? readFileSync(path.join(saveDir, s.file));
    expect({ file: s.file, sha256: s.sha256, bytes: s.bytes }).toEqual({ file: s.file, sha256: sha256(want), bytes: want.length });
  }
  const config = readFileSync(path.join(saveDir, SERIAL, 'config.txt'), 'utf8').split('\n');
  expect(config).toEqual(expect.arrayContaining(['arm_64bit=1', 'kernel=kernel8.img', 'initramfs initramfs followkernel']));
  const cmdline = readFileSync(path.join(saveDir, SERIAL, 'cmdline.txt'), 'utf8').trim().split(' ');
  expect(cmdline).toEqual(expect.arrayContaining(['rack.node=pi1', 'rack.boot=install', `rack.server=${rackIp}`]));

  // Expected misses: a clean ERROR 1 each.
  expect(stepsOf(r, 'miss').map((s) => [s.file, s.code])).toEqual(expect.arrayContaining(MISSES.map((f) => [`${SERIAL}/${f}`, 1])));
  expect(stepsOf(r, 'miss')).toHaveLength(MISSES.length);

  // rack's view: one finished transfer per read (the final ACK reaches it), the probe, no failure.
  await served.waitFor(() => count(served, (e) => e.type === 'transfer-done' && String(e.peer).startsWith(`${r.dhcp.ack!.yiaddr}:`)) >= READS.length, 60_000);
  expect(served.events.filter((e) => e.type === 'transfer-probe').map((e) => e.file)).toEqual([`${SERIAL}/start4.elf`]);
  for (const f of MISSES) expect(count(served, (e) => e.type === 'file-missing' && e.file === `${SERIAL}/${f}`), f).toBe(1);
  expect(served.events.filter((e) => e.type === 'transfer-failed')).toEqual([]);
}

describe.skipIf(missing !== '')(`Raspberry Pi 4 network boot ${missing}`, () => {
  let dir: string;
  let files: Map<string, Buffer>;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rk-nb-pi4-'));
    files = buildImages(path.join(dir, 'images'));
  });

  afterAll(() => {
    for (const p of children) if (p.pid) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('rack as the only DHCP server (authoritative)', () => {
    const mac = 'dc:a6:32:40:00:02';
    const reserved = '10.77.40.50';
    let pair: NsPair;
    let served: Served;

    beforeAll(async () => {
      pair = makePair('pi4a', 40, { clientAddress: false, clientMac: mac });
      const hosts = path.join(dir, 'hosts-a.json');
      writeFileSync(hosts, JSON.stringify([{ name: 'pi1', vars: { mac, pi_serial: SERIAL, ansible_host: reserved } }]));
      served = serveInNs(pair.server, hosts, ['--mode', 'authoritative', '--interface', pair.serverIf, '--images', path.join(dir, 'images'), '--http-port', '8080']);
      await served.waitFor((e) => e.type === 'listening' && e.proto === 'dhcp');
      await served.waitFor((e) => e.type === 'listening' && e.proto === 'tftp');
    }, 120_000);

    afterAll(async () => {
      await served?.stop();
      pair?.cleanup();
    });

    it('leases the reserved address and boots: probe, misses, every file byte-identical', async () => {
      const save = path.join(dir, 'got-a');
      const run = await bootPi(pair.client, pair.clientIf, mac, SERIAL, save);
      const d = run.report.dhcp;
      // One offer carries both the address and the boot menu.
      expect(d.bootOffer).toMatchObject({ from: pair.serverIp, serverId: pair.serverIp, yiaddr: reserved, siaddr: pair.serverIp, tftpServer: pair.serverIp, piBoot: true });
      expect(d.addressOffer).toEqual(d.bootOffer);
      expect(d.ack).toMatchObject({ serverId: pair.serverIp, yiaddr: reserved, mask: '255.255.255.0' });
      expect(d.lease).toBe(`${reserved}/24`);
      await expectCompleteBoot(run, served, files, save, pair.serverIp);
      expect(served.events.filter((e) => e.type === 'machine').map((e) => [e.kind, e.piSerial, e.piModel, e.name])).toContainEqual(['rpi', SERIAL, 'RPi4', 'pi1']);
    }, 240_000);
  });

  describe('rack as proxyDHCP beside dnsmasq, which hands out the addresses', () => {
    const subnet = 41;
    const piMac = 'dc:a6:32:41:00:03';
    const localMac = 'dc:a6:32:41:00:04';
    let lan: Lan;
    let served: Served;
    let dnsmasq: ChildProcess | undefined;
    let dnsmasqLog = '';
    const rackIp = `10.77.${subnet}.1`;
    const dnsIp = `10.77.${subnet}.2`;

    beforeAll(async () => {
      lan = makeLan('pi4b', subnet, {
        rack: { mac: '02:77:41:00:00:01', host: 1 },
        dns: { mac: '02:77:41:00:00:02', host: 2 },
        pi: { mac: piMac, host: null },
        local: { mac: localMac, host: null },
      });
      const hosts = path.join(dir, 'hosts-b.json');
      writeFileSync(hosts, JSON.stringify([
        // rack's reservation lies outside dnsmasq's range: a proxy must not hand it out.
        { name: 'pi1', vars: { mac: piMac, pi_serial: SERIAL, ansible_host: `10.77.${subnet}.50` } },
        { name: 'pi2', vars: { mac: localMac, pi_serial: LOCAL_SERIAL, boot: 'local' } },
      ]));
      served = serveInNs(lan.members.rack.ns, hosts, ['--interface', 'lan0', '--images', path.join(dir, 'images'), '--http-port', '8080']);
      // A plain DHCP server with no PXE options at all.
      dnsmasq = spawn('ip', ['netns', 'exec', lan.members.dns.ns, 'dnsmasq', '--no-daemon', '--conf-file=/dev/null', '--port=0',
        `--dhcp-range=10.77.${subnet}.100,10.77.${subnet}.150,255.255.255.0,1h`, '--interface=lan0', '--bind-interfaces',
        `--dhcp-leasefile=${path.join(dir, 'dnsmasq.leases')}`, '--pid-file=', '--user=root', '--log-facility=-', '--log-dhcp'], { stdio: ['ignore', 'ignore', 'pipe'] });
      dnsmasq.stderr!.on('data', (d: Buffer) => (dnsmasqLog += d.toString()));
      await served.waitFor((e) => e.type === 'listening' && e.proto === 'dhcp');
      await served.waitFor((e) => e.type === 'listening' && e.proto === 'tftp');
      for (const deadline = Date.now() + 60_000; !/DHCP, IP range/.test(dnsmasqLog);) {
        if (dnsmasq.exitCode !== null || Date.now() > deadline) throw new Error(`dnsmasq did not start: ${dnsmasqLog}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }, 120_000);

    afterAll(async () => {
      await served?.stop();
      await stopChild(dnsmasq);
      lan?.cleanup();
    });

    it('takes its address from dnsmasq and its boot server from rack, and boots', async () => {
      const save = path.join(dir, 'got-b');
      const run = await bootPi(lan.members.pi.ns, 'lan0', piMac, SERIAL, save);
      const d = run.report.dhcp;
      const inRange = (ip: string | undefined) => /^10\.77\.41\.(\d+)$/.exec(ip ?? '') !== null && Number(ip!.split('.')[3]) >= 100 && Number(ip!.split('.')[3]) <= 150;
      expect(d.addressOffer).toMatchObject({ from: dnsIp, serverId: dnsIp, piBoot: false });
      expect(inRange(d.addressOffer?.yiaddr), d.addressOffer?.yiaddr).toBe(true);
      // rack's proxy offer: boot information only, the three TFTP server fields agreeing.
      expect(d.bootOffer).toMatchObject({ from: rackIp, serverId: rackIp, yiaddr: '0.0.0.0', siaddr: rackIp, tftpServer: rackIp, piBoot: true });
      expect(d.offers.filter((o) => o.from === rackIp).map((o) => o.yiaddr)).toEqual(['0.0.0.0']);
      expect(d.ack).toMatchObject({ serverId: dnsIp, yiaddr: d.addressOffer!.yiaddr });
      await expectCompleteBoot(run, served, files, save, rackIp);
      expect(served.events.filter((e) => e.type === 'dhcp' && e.mac === piMac).map((e) => e.message)).toEqual(['proxy-offer']);
      expect(readFileSync(path.join(dir, 'dnsmasq.leases'), 'utf8')).toContain(`${piMac} ${d.ack!.yiaddr}`);
    }, 240_000);

    it('a Pi set to `boot: local` gets no proxy offer, so it does not netboot', async () => {
      const run = await bootPi(lan.members.local.ns, 'lan0', localMac, LOCAL_SERIAL, path.join(dir, 'got-c'), ['--dhcp-timeout-ms', '10000']);
      expect(run.code).toBe(1);
      expect(run.report.error).toMatch(/no usable offer/);
      // rack heard it (and knew it), dnsmasq offered an address, and rack stayed silent.
      expect(served.events.some((e) => e.type === 'machine' && e.mac === localMac && e.name === 'pi2' && e.piSerial === LOCAL_SERIAL)).toBe(true);
      expect(run.report.dhcp.offers.length).toBeGreaterThan(0);
      expect(run.report.dhcp.offers.filter((o) => o.from !== dnsIp || o.piBoot)).toEqual([]);
      expect(served.events.filter((e) => e.type === 'dhcp' && e.mac === localMac)).toEqual([]);
      expect(run.report.tftp).toEqual([]);
      expect(existsSync(path.join(dir, 'got-c'))).toBe(false);
    }, 120_000);
  });
});
