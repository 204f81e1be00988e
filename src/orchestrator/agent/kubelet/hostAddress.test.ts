import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultRouteInterface, primaryIPv4 } from './hostAddress.js';

const ROUTES = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
wlan0	00000000	0101A8C0	0003	0	0	600	00000000	0	0	0
eth0	00000000	010200C0	0003	0	0	100	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
`;
const v4 = (address: string, internal = false) => ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '', cidr: null }) as NetworkInterfaceInfo;

describe('primaryIPv4', () => {
  const ifaces = { lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')], eth0: [v4('192.0.2.2')], wlan0: [v4('192.168.1.5')] };
  it('picks the interface of the lowest-metric default route', () => {
    expect(defaultRouteInterface(ROUTES)).toBe('eth0');
    expect(primaryIPv4(ROUTES, ifaces)).toBe('192.0.2.2');
  });
  it('without a route table, skips loopback and engine bridges', () => {
    expect(primaryIPv4(undefined, { lo: ifaces.lo, docker0: ifaces.docker0, ens3: [v4('10.0.0.7')] })).toBe('10.0.0.7');
  });
  it('falls back to 127.0.0.1', () => {
    expect(primaryIPv4(undefined, { lo: ifaces.lo })).toBe('127.0.0.1');
  });
});
