import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { podHostsFile, podNames, PodNameError } from './podIdentity.js';
import { hostResolvConf, parseResolvConf, podResolvConf, upstreamServers } from './resolvConf.js';

function pod(spec: Record<string, unknown> = {}, name = 'web-0', ns = 'shop'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } } as Pod;
}

const HOST = parseResolvConf('# generated\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example lab\noptions edns0 timeout:2\n');
const CTX = { clusterDNS: '10.96.0.10', domain: 'cluster.local', host: HOST };

describe('pod resolv.conf (the kubelet\'s)', () => {
  it('ClusterFirst: the cluster DNS, the namespace\'s search path then the host\'s, ndots:5', () => {
    expect(podResolvConf(pod(), CTX).text).toBe('nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab\noptions ndots:5\n');
    expect(podResolvConf(pod({ dnsPolicy: 'ClusterFirst' }), CTX).text).toContain('nameserver 10.96.0.10\n');
  });

  it('a hostNetwork pod gets the host\'s settings unless ClusterFirstWithHostNet', () => {
    expect(podResolvConf(pod({ hostNetwork: true }), CTX).text).toBe('nameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example lab\noptions edns0 timeout:2\n');
    expect(podResolvConf(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), CTX).text).toContain('nameserver 10.96.0.10\nsearch shop.svc.cluster.local');
  });

  it('Default: the host\'s; None: only dnsConfig', () => {
    expect(podResolvConf(pod({ dnsPolicy: 'Default' }), CTX).text).toBe('nameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example lab\noptions edns0 timeout:2\n');
    const none = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } });
    expect(podResolvConf(none, CTX).text).toBe('nameserver 1.2.3.4\nsearch ns1.svc.cluster-domain.example my.dns.search.suffix\noptions ndots:2 edns0\n');
  });

  it('dnsConfig merges into ClusterFirst: nameservers and searches appended once, options replaced by name', () => {
    const p = pod({ dnsConfig: { nameservers: ['10.96.0.10', '9.9.9.9'], searches: ['lab', 'extra'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }] } });
    expect(podResolvConf(p, CTX).text).toBe('nameserver 10.96.0.10\nnameserver 9.9.9.9\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab extra\noptions ndots:1 single-request-reopen\n');
  });

  it('keeps to the kubelet\'s limits and says what it dropped', () => {
    const p = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches: Array.from({ length: 40 }, (_, i) => `s${i}.example`) } });
    const out = podResolvConf(p, CTX);
    expect(out.text).toContain('nameserver 3.3.3.3\nsearch');
    expect(out.text).not.toContain('4.4.4.4');
    expect(out.text).toContain('s31.example\n');
    expect(out.text).not.toContain('s32.example');
    expect(out.warnings).toHaveLength(2);
    expect(out.warnings[0]).toMatch(/^Nameserver limits were exceeded/);
  });
});

describe('host resolvers', () => {
  const files = (m: Record<string, string>) => (p: string) => m[p];

  it('skips a loopback stub for pods and uses systemd-resolved\'s upstream list, as k3s does', () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\nsearch home\n', '/run/systemd/resolve/resolv.conf': 'nameserver 192.168.1.1\nnameserver 127.0.0.1\n' });
    expect(hostResolvConf(read)).toEqual({ source: '/run/systemd/resolve/resolv.conf', conf: { nameservers: ['192.168.1.1'], search: ['home'], options: [] } });
    expect(upstreamServers(read)).toEqual(['192.168.1.1']);
  });

  it('drops loopback nameservers from what pods get; the agent, in the host\'s network, may still forward to one', () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\n' });
    expect(hostResolvConf(read).conf.nameservers).toEqual([]);
    expect(upstreamServers(read)).toEqual(['127.0.0.1']);
    expect(upstreamServers(files({ '/etc/resolv.conf': 'nameserver 10.0.0.2\nnameserver 127.0.0.1\n' }))).toEqual(['10.0.0.2']);
  });

  it('parses comments, domain and repeated options', () => {
    expect(parseResolvConf('domain a.example\n; comment\nsearch b.example c.example # trailing\noptions a\noptions b:1\nnameserver 1.1.1.1')).toEqual({ nameservers: ['1.1.1.1'], search: ['b.example', 'c.example'], options: ['a', 'b:1'] });
  });
});

describe('pod names and /etc/hosts', () => {
  it('uses hostname and subdomain; setHostnameAsFQDN makes the kernel host name the FQDN', () => {
    expect(podNames(pod({ hostname: 'db-0', subdomain: 'db' }), 'cluster.local')).toEqual({ hostname: 'db-0', domain: 'db.shop.svc.cluster.local', kernelHostname: 'db-0' });
    expect(podNames(pod({ hostname: 'db-0', subdomain: 'db', setHostnameAsFQDN: true }), 'cluster.local').kernelHostname).toBe('db-0.db.shop.svc.cluster.local');
    expect(podNames(pod(), 'cluster.local')).toEqual({ hostname: 'web-0', kernelHostname: 'web-0' });
    expect(podNames(pod({}, `${'a'.repeat(62)}-bcd`), 'cluster.local').hostname).toBe('a'.repeat(62));
    expect(() => podNames(pod({ hostname: 'h'.repeat(40), subdomain: 'sub', setHostnameAsFQDN: true }), 'cluster.local')).toThrow(PodNameError);
  });

  it('writes the kubelet\'s hosts file with the pod\'s names and hostAliases', () => {
    const p = pod({ hostname: 'db-0', subdomain: 'db', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.4', hostnames: [] }] });
    const text = podHostsFile(p, podNames(p, 'cluster.local'), '10.42.1.7', undefined);
    expect(text).toBe(
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n' +
        '10.42.1.7\tdb-0.db.shop.svc.cluster.local\tdb-0\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n',
    );
  });

  it('gives a hostNetwork pod the host\'s file, plus its aliases', () => {
    const p = pod({ hostNetwork: true, hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo'] }] });
    expect(podHostsFile(p, podNames(p, 'cluster.local'), undefined, '127.0.0.1 localhost\n10.77.0.11 lab-w1')).toBe('127.0.0.1 localhost\n10.77.0.11 lab-w1\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo\n');
  });
});
