import { describe, expect, it } from 'vitest';
import * as net from '../../src/template/network.js';

// Every expected value below was worked out by hand from the binary form.
describe('IPv4 CIDR math', () => {
  it.each([
    [() => net.ipaddr('10.1.2.3/16'), '10.1.2.3'],
    [() => net.prefixlen('10.1.2.3/16'), 16],
    [() => net.prefixlen('10.0.0.1'), 32],
    [() => net.prefixlen('10.0.0.0/255.255.255.0'), 24],
    [() => net.netmask('192.168.1.77/26'), '255.255.255.192'],
    [() => net.netmask('10.0.0.0/0'), '0.0.0.0'],
    [() => net.network('192.168.1.77/26'), '192.168.1.64'],
    [() => net.networkCidr('192.168.1.77/26'), '192.168.1.64/26'],
    [() => net.broadcast('192.168.1.77/26'), '192.168.1.127'],
    [() => net.broadcast('172.16.5.4/12'), '172.31.255.255'],
    [() => net.nthhost('10.0.0.0/24', 5), '10.0.0.5'],
    [() => net.nthhost('10.0.0.77/24', 0), '10.0.0.0'],
    [() => net.nthhost('10.0.0.0/24', -1), '10.0.0.255'],
    [() => net.nthhost('10.0.0.0/24', -2), '10.0.0.254'],
    [() => net.nthhost('172.16.0.0/12', 65536), '172.17.0.0'],
    [() => net.hostCidr('10.0.0.0/24', 5), '10.0.0.5/24'],
    [() => net.ipInCidr('10.0.0.5', '10.0.0.0/24'), true],
    [() => net.ipInCidr('10.0.1.5', '10.0.0.0/24'), false],
    [() => net.ipInCidr('10.0.0.0/23', '10.0.0.0/24'), false],
    [() => net.ipInCidr('10.0.0.128/25', '10.0.0.0/24'), true],
    [() => net.ipInCidr('::1', '10.0.0.0/8'), false],
    [() => net.ipToInt('10.0.0.1'), 167772161],
    [() => net.ipToInt('255.255.255.255'), 4294967295],
    [() => net.intToIp(3232235777), '192.168.1.1'],
    [() => net.ipmath('10.0.0.254', 3), '10.0.1.1'],
    [() => net.ipmath('10.0.1.0', -1), '10.0.0.255'],
    [() => net.routerId('10.255.0.0', 7), '10.255.0.7'],
    [() => net.routerId(167772161), '10.0.0.1'],
    [() => net.routerId('192.168.1.1/24'), '192.168.1.1'],
  ])('%#', (fn, expected) => {
    expect(fn()).toEqual(expected);
  });
});

describe('IPv6 CIDR math', () => {
  it.each([
    [() => net.network('2001:db8:abcd:12::5/64'), '2001:db8:abcd:12::'],
    [() => net.nthhost('2001:db8::/64', 1), '2001:db8::1'],
    [() => net.broadcast('fd00::/120'), 'fd00::ff'],
    [() => net.netmask('fd00::/64'), 'ffff:ffff:ffff:ffff::'],
    [() => net.ipaddr('2001:0db8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1'],
    [() => net.ipaddr('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1'],
    [() => net.ipaddr('::ffff:10.0.0.1'), '::ffff:a00:1'],
    [() => net.ipaddr('::'), '::'],
    [() => net.ipInCidr('fd00::1:2', 'fd00::/64'), true],
    [() => net.ipToInt('::1'), '1'],
  ])('%#', (fn, expected) => {
    expect(fn()).toEqual(expected);
  });
});

describe('bad input is refused with a clear message', () => {
  it.each([
    [() => net.parseAddr('10.0.0.256'), 'not an IPv4 address'],
    [() => net.parseCidr('10.0.0.0/33'), 'too long'],
    [() => net.parseCidr('10.0.0.0/255.0.255.0'), 'not contiguous'],
    [() => net.parseAddr('1::2::3'), 'not an IPv6 address'],
    [() => net.parseAddr('eth0'), 'not an IP address'],
    [() => net.nthhost('10.0.0.0/30', 4), 'outside 10.0.0.0/30'],
    [() => net.ipmath('0.0.0.0', -1), 'leaves the IPv4 space'],
    [() => net.routerId('fd00::1'), 'IPv4'],
  ])('%#', (fn, msg) => {
    expect(fn).toThrow(msg);
  });
});
