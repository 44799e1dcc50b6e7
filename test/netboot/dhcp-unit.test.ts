// DHCP codec, the client table on captured-shape requests, and the server driven in-process.
import { describe, expect, it } from 'vitest';
import { OPT, MSG, decodeDhcp, encodeDhcp, clientRequest, macOf, type DhcpPacket } from '../../src/netboot/dhcp/packet.js';
import { clientFacts, detectClient, piBootMenu } from '../../src/netboot/clients.js';
import { DhcpServer } from '../../src/netboot/dhcp/server.js';
import { staticProfiles } from '../../src/netboot/profiles.js';
import type { NetbootEvent } from '../../src/netboot/events.js';
import { MemNet, until } from './memnet.js';

const s = (t: string) => Buffer.from(t, 'latin1');
const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const piUuid = (model: string, serial: string) => Buffer.concat([Buffer.from([0]), s(model), Buffer.from('00d03114', 'hex'), Buffer.from('013682c2', 'hex'), Buffer.from(serial, 'hex')]);

// Requests shaped like the reference captures (options and order as each client sends them).
const captured: Record<string, DhcpPacket> = {
  pi4: clientRequest('dc:a6:32:01:36:c2', MSG.DISCOVER, 1, [[OPT.PARAM_LIST, Buffer.from([1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135])], [OPT.CLIENT_ARCH, u16(0)], [OPT.CLIENT_NDI, Buffer.from([1, 2, 1])], [OPT.CLIENT_UUID, piUuid('RPi4', '9ffefdef')], [OPT.VENDOR_CLASS, s('PXEClient:Arch:00000:UNDI:002001')]]),
  pi5: clientRequest('2c:cf:67:00:00:05', MSG.DISCOVER, 2, [[OPT.CLIENT_ARCH, u16(0)], [OPT.CLIENT_UUID, Buffer.concat([Buffer.from([0]), s('5iPR'), Buffer.alloc(8), Buffer.from('efbeadde', 'hex')])], [OPT.VENDOR_CLASS, s('PXEClient:Arch:00000:UNDI:002001')]]),
  uboot: clientRequest('02:00:00:00:00:0b', MSG.DISCOVER, 3, [[OPT.MAX_SIZE, u16(576)], [OPT.CLIENT_ARCH, u16(0x16)], [OPT.CLIENT_NDI, Buffer.from([1, 0, 0])], [OPT.VENDOR_CLASS, s('U-Boot.armv8')], [OPT.PARAM_LIST, Buffer.from([1, 3, 6, 12, 17, 209])]]),
  biosPxe: clientRequest('52:54:00:00:00:01', MSG.DISCOVER, 4, [[OPT.CLIENT_ARCH, u16(0)], [OPT.VENDOR_CLASS, s('PXEClient:Arch:00000:UNDI:002001')]]),
  uefiPxe: clientRequest('52:54:00:00:00:02', MSG.DISCOVER, 5, [[OPT.CLIENT_ARCH, u16(7)], [OPT.VENDOR_CLASS, s('PXEClient:Arch:00007:UNDI:003010')]]),
  ipxe: clientRequest('52:54:00:00:00:03', MSG.DISCOVER, 6, [[OPT.MAX_SIZE, u16(1472)], [OPT.CLIENT_ARCH, u16(0)], [OPT.VENDOR_CLASS, s('PXEClient:Arch:00000:UNDI:002001')], [OPT.USER_CLASS, s('iPXE')], [OPT.IPXE_FEATURES, Buffer.from([0x13, 1, 1])]]),
  uefiHttp: clientRequest('52:54:00:00:00:04', MSG.DISCOVER, 7, [[OPT.CLIENT_ARCH, u16(16)], [OPT.VENDOR_CLASS, s('HTTPClient:Arch:00016:UNDI:003001')]]),
};

describe('DHCP codec', () => {
  it('round-trips a request with long and repeated options', () => {
    const p = clientRequest('aa:bb:cc:dd:ee:ff', MSG.REQUEST, 0xdeadbeef, [[OPT.VENDOR_SPECIFIC, Buffer.alloc(300, 7)], [OPT.REQUESTED_IP, Buffer.from([10, 77, 0, 9])]]);
    p.giaddr = '10.77.5.1';
    const back = decodeDhcp(encodeDhcp(p));
    expect(back.xid).toBe(0xdeadbeef);
    expect(back.giaddr).toBe('10.77.5.1');
    expect(macOf(back)).toBe('aa:bb:cc:dd:ee:ff');
    expect(back.options.get(OPT.VENDOR_SPECIFIC)).toEqual(Buffer.alloc(300, 7)); // split in two and joined (RFC 3396)
    expect(back.options.get(OPT.MSG_TYPE)).toEqual(Buffer.from([MSG.REQUEST]));
  });

  it('rejects truncated packets and overrunning options', () => {
    expect(() => decodeDhcp(Buffer.alloc(100))).toThrow(/too short/);
    const b = encodeDhcp(clientRequest('aa:bb:cc:dd:ee:ff', 1, 1));
    b[240 + 1] = 200; // message-type length points past the end
    b.fill(0xaa, 243);
    expect(() => decodeDhcp(b)).toThrow();
  });

  it('builds the Pi option 43 menu byte for byte like the reference', () => {
    expect(piBootMenu().toString('hex')).toBe('0601030a04005058450914000011' + s('Raspberry Pi Boot').toString('hex') + 'ff');
  });
});

describe('client table', () => {
  const kindOf = (p: DhcpPacket) => detectClient(clientFacts(p, macOf(p)))?.kind;
  it.each([['pi4', 'rpi'], ['pi5', 'rpi'], ['uboot', 'uboot'], ['biosPxe', 'bios-pxe'], ['uefiPxe', 'uefi-pxe'], ['ipxe', 'ipxe'], ['uefiHttp', 'uefi-http']])('%s is detected as %s', (name, kind) => {
    expect(kindOf(captured[name])).toBe(kind);
  });
  it('reads the Pi serial from option 97 in either byte order', () => {
    expect(clientFacts(captured.pi4, 'dc:a6:32:01:36:c2')).toMatchObject({ piSerial: '9ffefdef', piModel: 'RPi4' });
    expect(clientFacts(captured.pi5, '2c:cf:67:00:00:05')).toMatchObject({ piSerial: 'deadbeef', piModel: 'RPi5' });
  });
  it('a Pi with no option 97 is still told apart from BIOS PXE by its OUI', () => {
    const p = clientRequest('e4:5f:01:00:00:01', MSG.DISCOVER, 9, [[OPT.CLIENT_ARCH, u16(0)], [OPT.VENDOR_CLASS, s('PXEClient:Arch:00000:UNDI:002001')]]);
    expect(kindOf(p)).toBe('rpi');
  });
});

function harness(mode: 'proxy' | 'authoritative', discover = false) {
  const net = new MemNet();
  const events: NetbootEvent[] = [];
  const profiles = staticProfiles([
    { name: 'pi1', mac: 'dc:a6:32:01:36:c2', boot: 'install', piSerial: '9ffefdef', address: '10.77.9.21' },
    { name: 'x1', mac: '52:54:00:00:00:03', boot: 'install', address: '10.77.9.22' },
    { name: 'pilocal', mac: '2c:cf:67:00:00:05', boot: 'local' },
  ]);
  const server = new DhcpServer({ mode, serverIp: '10.77.9.1', subnetMask: '255.255.255.0', broadcast: '10.77.9.255', httpPort: 8080, discover, profiles, onEvent: (e) => events.push(e) }, { main: net.socket('0.0.0.0', 67), pxe: net.socket('0.0.0.0', 4011) });
  const lan = net.socket('10.77.9.255', 68); // what clients on the segment see
  const relay = net.socket('10.77.5.1', 67);
  return { net, events, server, lan, relay };
}

describe('DHCP server', () => {
  it('proxy mode: the Pi gets 43 menu, 60 PXEClient, echoed 97, TFTP server, and no address', async () => {
    const h = harness('proxy');
    h.net.socket('10.0.0.99', 68).send(encodeDhcp(captured.pi4), 67, '0.0.0.0');
    const { msg } = await until(() => h.lan.inbox[0]);
    const r = decodeDhcp(msg);
    expect(r.options.get(OPT.MSG_TYPE)).toEqual(Buffer.from([MSG.OFFER]));
    expect(r.yiaddr).toBe('0.0.0.0');
    expect(r.siaddr).toBe('10.77.9.1');
    expect(r.options.get(OPT.VENDOR_CLASS)?.toString()).toBe('PXEClient');
    expect(r.options.get(OPT.VENDOR_SPECIFIC)).toEqual(piBootMenu());
    expect(r.options.get(OPT.CLIENT_UUID)).toEqual(captured.pi4.options.get(OPT.CLIENT_UUID));
    expect(r.options.get(OPT.TFTP_SERVER)?.toString()).toBe('10.77.9.1');
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'machine', kind: 'rpi', piSerial: '9ffefdef', known: true }));
    h.server.close();
  });

  it('proxy mode: port 4011 answers a unicast REQUEST back to its sender', async () => {
    const h = harness('proxy');
    const client = h.net.socket('10.0.0.50', 4011);
    const req = { ...captured.ipxe, options: new Map(captured.ipxe.options) };
    req.options.set(OPT.MSG_TYPE, Buffer.from([MSG.REQUEST]));
    req.ciaddr = '10.0.0.50';
    client.send(encodeDhcp(req), 4011, '0.0.0.0');
    const r = decodeDhcp((await until(() => client.inbox[0])).msg);
    expect(r.options.get(OPT.MSG_TYPE)).toEqual(Buffer.from([MSG.ACK]));
    expect(r.file).toBe('http://10.77.9.1:8080/ipxe/01-52-54-00-00-00-03.ipxe');
    h.server.close();
  });

  it('authoritative mode: reservation offered, requested and acknowledged; a wrong address is NAKed', async () => {
    const h = harness('authoritative');
    const c = h.net.socket('10.0.0.98', 68);
    c.send(encodeDhcp(captured.ipxe), 67, '0.0.0.0');
    const offer = decodeDhcp((await until(() => h.lan.inbox[0])).msg);
    expect(offer.yiaddr).toBe('10.77.9.22');
    expect(offer.options.get(OPT.SUBNET_MASK)).toEqual(Buffer.from([255, 255, 255, 0]));
    const req = clientRequest('52:54:00:00:00:03', MSG.REQUEST, 6, [[OPT.REQUESTED_IP, Buffer.from([10, 77, 9, 22])], [OPT.SERVER_ID, Buffer.from([10, 77, 9, 1])]]);
    c.send(encodeDhcp(req), 67, '0.0.0.0');
    const ack = decodeDhcp((await until(() => h.lan.inbox[1])).msg);
    expect(ack.options.get(OPT.MSG_TYPE)).toEqual(Buffer.from([MSG.ACK]));
    expect(ack.yiaddr).toBe('10.77.9.22');
    const bad = clientRequest('52:54:00:00:00:03', MSG.REQUEST, 7, [[OPT.REQUESTED_IP, Buffer.from([10, 77, 9, 99])]]);
    c.send(encodeDhcp(bad), 67, '0.0.0.0');
    expect(decodeDhcp((await until(() => h.lan.inbox[2])).msg).options.get(OPT.MSG_TYPE)).toEqual(Buffer.from([MSG.NAK]));
    h.server.close();
  });

  it('relayed requests are answered to the relay on port 67', async () => {
    const h = harness('authoritative');
    const p = { ...captured.ipxe, giaddr: '10.77.5.1', hops: 1 };
    h.relay.send(encodeDhcp(p), 67, '0.0.0.0');
    const r = decodeDhcp((await until(() => h.relay.inbox[0])).msg);
    expect(r.giaddr).toBe('10.77.5.1');
    expect(r.yiaddr).toBe('10.77.9.22');
    h.server.close();
  });

  it('unknown MACs get nothing; with discover they are reported', async () => {
    for (const discover of [false, true]) {
      const h = harness('authoritative', discover);
      const stranger = { ...captured.uefiPxe };
      h.net.socket('10.0.0.97', 68).send(encodeDhcp(stranger), 67, '0.0.0.0');
      const probe = clientRequest('52:54:00:00:00:03', MSG.DISCOVER, 77, []); // a known one after it, to know the first was processed
      h.net.socket('10.0.0.96', 68).send(encodeDhcp(probe), 67, '0.0.0.0');
      await until(() => h.lan.inbox.length >= 1);
      expect(h.lan.inbox.map((m) => decodeDhcp(m.msg).xid)).toEqual([77]);
      const seen = h.events.filter((e) => e.type === 'machine' && !e.known);
      expect(seen).toEqual(discover ? [expect.objectContaining({ mac: '52:54:00:00:00:02', kind: 'uefi-pxe' })] : []);
      h.server.close();
    }
  });

  it('a Pi set to boot: local is not netbooted (no proxy answer)', async () => {
    const h = harness('proxy');
    h.net.socket('10.0.0.95', 68).send(encodeDhcp(captured.pi5), 67, '0.0.0.0');
    h.net.socket('10.0.0.94', 68).send(encodeDhcp(captured.pi4), 67, '0.0.0.0');
    await until(() => h.lan.inbox.length >= 1);
    expect(h.lan.inbox.map((m) => decodeDhcp(m.msg).xid)).toEqual([1]);
    h.server.close();
  });
});
