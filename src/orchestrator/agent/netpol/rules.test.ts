import { describe, expect, it } from 'vitest';
import { resolveAddressGroup, type AddressGroup } from '../../api/addressGroup.js';
import type { Namespace, Pod } from '../../api/types.js';
import { contains, parseCidr } from '../../util/cidr.js';
import { ruleArgs } from '../hostnet/render.js';
import type { Rule } from '../hostnet/types.js';
import { validateRule } from '../hostnet/validate.js';
import { buildNetPolRules, subtract } from './rules.js';
import type { NetworkPolicy, NetworkPolicySpec } from './types.js';

/*
 * The node sees only its own pods; peers come from the policies' AddressGroups, resolved here as
 * the control plane's controller resolves them (`resolveAddressGroup` over every pod and namespace).
 *
 * The cases follow upstream's NetworkPolicy semantics (the Kubernetes docs' examples and the
 * "netpol" e2e reachability matrix): each builds the rules for one node and walks packets through
 * them the way the kernel's filter FORWARD hook would (a small interpreter of the Rule subset the
 * generator uses), so each row says what is allowed, not which lines appear.
 */

function pod(ns: string, name: string, ip: string, labels: Record<string, string>, node = 'n1', ports: { name: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[] = []): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'i', ports }] }, status: { phase: 'Running', podIP: ip } };
}

function ns(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

function np(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  // As the API defaults it.
  const policyTypes = spec.policyTypes ?? (spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress']);
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec: { podSelector: {}, ...spec, policyTypes } };
}

const NAMESPACES = [ns('default'), ns('prod', { team: 'a' }), ns('dev', { team: 'b' })];
const PODS = [
  pod('prod', 'db', '10.42.1.10', { app: 'db' }, 'n1', [{ name: 'sql', containerPort: 5432 }]),
  pod('prod', 'api', '10.42.1.11', { app: 'api' }),
  pod('prod', 'web', '10.42.2.12', { app: 'web' }, 'n2', [{ name: 'http', containerPort: 8080 }]),
  pod('dev', 'api', '10.42.2.20', { app: 'api' }, 'n2'),
  pod('default', 'tool', '10.42.1.30', { app: 'tool' }),
];
const OUTSIDE = '192.0.2.7';

/** The groups the controller would publish for these policies, given every pod and namespace of the cluster. */
function groupsFor(policies: readonly NetworkPolicy[], pods: readonly Pod[] = PODS, namespaces: readonly Namespace[] = NAMESPACES): AddressGroup[] {
  return policies.map((p) => ({ apiVersion: 'networking.skiff.dev/v1alpha1', kind: 'AddressGroup', metadata: { namespace: p.metadata.namespace, name: p.metadata.name }, peers: resolveAddressGroup(p, pods, namespaces) }));
}

/** What node n1's enforcer has: its own pods, the policies and their groups. */
function build(policies: NetworkPolicy[], pods: readonly Pod[] = PODS, groups = groupsFor(policies, pods)) {
  return buildNetPolRules({ node: 'n1', policies, pods: pods.filter((p) => p.spec.nodeName === 'n1'), groups });
}

interface Packet {
  src: string;
  dst: string;
  proto?: 'tcp' | 'udp';
  dport?: number;
  established?: boolean;
}

/** Walks a packet through FWD as iptables would; true unless a DROP is reached. */
function allowed(rules: Rule[], p: Packet): boolean {
  const byChain = new Map<string, Rule[]>();
  for (const r of rules) byChain.set(r.chain, [...(byChain.get(r.chain) ?? []), r]);
  const run = (chain: string, depth: number): 'DROP' | 'RETURN' => {
    if (depth > 10) throw new Error('loop');
    for (const r of byChain.get(chain) ?? []) {
      if (!ruleMatches(r, p)) continue;
      const t = r.target;
      if (t.kind === 'DROP') return 'DROP';
      if (t.kind === 'RETURN') return 'RETURN';
      if (t.kind === 'jump' && run(t.chain, depth + 1) === 'DROP') return 'DROP';
      if (t.kind !== 'jump') throw new Error(`unexpected target ${t.kind}`);
    }
    return 'RETURN';
  };
  return run('FWD', 0) === 'RETURN';
}

function ruleMatches(r: Rule, p: Packet): boolean {
  const addr = (spec: string, ip: string) => (spec.includes('/') ? contains(parseCidr(spec), ip) : spec === ip);
  if (r.source && addr(r.source, p.src) === !!r.notSource) return false;
  if (r.destination && addr(r.destination, p.dst) === !!r.notDestination) return false;
  if (r.protocol && r.protocol !== (p.proto ?? 'tcp')) return false;
  if (r.dport !== undefined && !(p.dport !== undefined && p.dport >= r.dport && p.dport <= (r.dportEnd ?? r.dport))) return false;
  if (r.ctstate && !(p.established && r.ctstate.includes('ESTABLISHED'))) return false;
  return true;
}

const DB = '10.42.1.10';
const API = '10.42.1.11';
const WEB = '10.42.2.12';
const DEV_API = '10.42.2.20';
const TOOL = '10.42.1.30';

interface Case {
  name: string;
  policies: NetworkPolicy[];
  allow: Packet[];
  deny: Packet[];
}

const cases: Case[] = [
  { name: 'no policy: everything flows', policies: [], allow: [{ src: TOOL, dst: DB }, { src: DB, dst: OUTSIDE }, { src: WEB, dst: API }], deny: [] },
  {
    name: 'deny all ingress in prod: prod pods accept nothing; egress untouched',
    policies: [np('prod', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })],
    allow: [{ src: DB, dst: OUTSIDE }, { src: API, dst: TOOL }, { src: TOOL, dst: DB, established: true }],
    deny: [{ src: TOOL, dst: DB }, { src: API, dst: DB }, { src: WEB, dst: API }],
  },
  {
    name: 'deny all, then allow app=api to the database: the docs example',
    policies: [np('prod', 'deny', { podSelector: {} }), np('prod', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] })],
    allow: [{ src: API, dst: DB, dport: 5432 }],
    // dev/api has the label but lives in another namespace: a bare podSelector means the policy's own.
    deny: [{ src: TOOL, dst: DB }, { src: DEV_API, dst: DB }, { src: DB, dst: API }],
  },
  {
    name: 'namespaceSelector only: every pod of matching namespaces',
    policies: [np('prod', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }] }] })],
    allow: [{ src: DEV_API, dst: DB }, { src: TOOL, dst: API }],
    deny: [{ src: API, dst: DB }, { src: TOOL, dst: DB }, { src: OUTSIDE, dst: DB }],
  },
  {
    name: 'podSelector AND namespaceSelector in one peer',
    policies: [np('prod', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'api' } } }] }] })],
    allow: [{ src: API, dst: DB }, { src: DEV_API, dst: DB }],
    deny: [{ src: TOOL, dst: DB }, { src: WEB, dst: DB }],
  },
  {
    name: 'podSelector OR namespaceSelector as two peers',
    policies: [np('prod', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } } }, { podSelector: { matchLabels: { app: 'web' } } }] }] })],
    allow: [{ src: TOOL, dst: DB }, { src: WEB, dst: DB }],
    deny: [{ src: API, dst: DB }, { src: DEV_API, dst: DB }],
  },
  {
    name: 'an empty ingress rule allows everything; no ingress rules allow nothing',
    policies: [np('prod', 'open', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{}] }), np('prod', 'closed', { podSelector: { matchLabels: { app: 'api' } }, ingress: [] })],
    allow: [{ src: OUTSIDE, dst: DB }, { src: TOOL, dst: DB }],
    deny: [{ src: TOOL, dst: API }],
  },
  {
    name: 'ipBlock with except',
    policies: [np('prod', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.42.0.0/16', except: ['10.42.1.0/24'] } }] }] })],
    allow: [{ src: WEB, dst: DB }, { src: DEV_API, dst: DB }],
    deny: [{ src: API, dst: DB }, { src: TOOL, dst: DB }, { src: OUTSIDE, dst: DB }],
  },
  {
    name: 'ports: a number, a protocol, a range, and a name resolved on the selected pod',
    policies: [
      np('prod', 'db', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ ports: [{ port: 'sql' }, { protocol: 'UDP', port: 53 }, { port: 9000, endPort: 9010 }, { port: 'nope' }] }],
      }),
    ],
    allow: [{ src: TOOL, dst: DB, dport: 5432 }, { src: TOOL, dst: DB, proto: 'udp', dport: 53 }, { src: TOOL, dst: DB, dport: 9000 }, { src: TOOL, dst: DB, dport: 9010 }],
    deny: [{ src: TOOL, dst: DB, dport: 80 }, { src: TOOL, dst: DB, dport: 53 }, { src: TOOL, dst: DB, dport: 9011 }, { src: TOOL, dst: DB, proto: 'udp', dport: 5432 }],
  },
  {
    name: 'egress deny all: local pods send nothing new, replies still flow',
    policies: [np('prod', 'deny-out', { podSelector: {}, policyTypes: ['Egress'] })],
    allow: [{ src: TOOL, dst: DB }, { src: DB, dst: TOOL, established: true }],
    deny: [{ src: DB, dst: OUTSIDE }, { src: API, dst: DB }],
  },
  {
    name: 'egress to a named port resolves on each destination pod',
    policies: [np('prod', 'out', { podSelector: { matchLabels: { app: 'api' } }, egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }, { ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ port: 'http' }] }] })],
    allow: [{ src: API, dst: WEB, dport: 8080 }],
    // an ipBlock has no container ports, so a named port never matches it
    deny: [{ src: API, dst: WEB, dport: 80 }, { src: API, dst: OUTSIDE, dport: 8080 }, { src: API, dst: DB }],
  },
  {
    name: 'egress rules with policyTypes [Ingress] only are not enforced',
    policies: [np('prod', 'x', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{}], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] })],
    allow: [{ src: API, dst: OUTSIDE }, { src: TOOL, dst: API }],
    deny: [],
  },
  {
    name: 'both directions between two local pods: sender egress and receiver ingress must allow',
    policies: [
      np('prod', 'api-out', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }] }),
      np('prod', 'db-in', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } } }] }] }),
    ],
    allow: [{ src: TOOL, dst: DB }],
    deny: [{ src: API, dst: DB }, { src: API, dst: TOOL }],
  },
  {
    name: 'policies add up: any policy allowing it is enough',
    policies: [np('prod', 'a', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] }), np('prod', 'b', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] })],
    allow: [{ src: API, dst: DB }, { src: WEB, dst: DB }],
    deny: [{ src: TOOL, dst: DB }],
  },
  {
    name: 'a policy in another namespace selects none of these pods',
    policies: [np('dev', 'deny', { podSelector: {} })],
    allow: [{ src: TOOL, dst: DB }, { src: DB, dst: API }],
    deny: [],
  },
];

describe('buildNetPolRules: upstream semantics, packet by packet', () => {
  it.each(cases)('$name', (c) => {
    const { rules } = build(c.policies);
    for (const p of c.allow) expect({ p, allowed: allowed(rules, p) }).toEqual({ p, allowed: true });
    for (const p of c.deny) expect({ p, allowed: allowed(rules, p) }).toEqual({ p, allowed: false });
  });
});

describe('buildNetPolRules: rules', () => {
  it('pods on other nodes, hostNetwork and finished pods get no chains; every rule passes the component', () => {
    const host = { ...pod('prod', 'h', '10.77.0.11', { app: 'db' }), spec: { nodeName: 'n1', hostNetwork: true, containers: [] } };
    const done = { ...pod('prod', 'd', '10.42.1.99', { app: 'db' }), status: { phase: 'Succeeded' as const, podIP: '10.42.1.99' } };
    const out = build([np('prod', 'deny', { podSelector: {} })], [...PODS, host, done]);
    expect(out.isolated).toEqual({ ingress: ['prod/api', 'prod/db'], egress: [] });
    out.rules.forEach((r, i) => expect(() => validateRule(JSON.parse(JSON.stringify(r)), `rules[${i}]`)).not.toThrow());
    const text = out.rules.map((r) => `${r.chain} ${ruleArgs(r, (s) => s).join(' ')}`);
    expect(text[0]).toBe('DU -m comment --comment "skiff network policies" -j NP');
    expect(text[1]).toBe('FWD -m comment --comment "skiff network policies" -j NP');
    expect(text[2]).toBe('NP -m comment --comment "replies of allowed connections" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN');
    expect(text.filter((l) => l.startsWith('NP ') && l.includes(' -d 10.42.1.1'))).toHaveLength(2);
    expect(text.filter((l) => l.endsWith('-j DROP'))).toHaveLength(2);
  });

  it('renders a port range as iptables does', () => {
    const { rules } = build([np('prod', 'r', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 9000, endPort: 9010 }] }] })]);
    const r = rules.find((x) => x.dport === 9000);
    expect(r && ruleArgs(r, (s) => s).join(' ')).toContain('-p tcp -m tcp --dport 9000:9010 -j RETURN');
  });

  it('an IPv6 ipBlock matches nothing and says so', () => {
    const out = build([np('prod', 'v6', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: 'fd00::/8' } }] }] })]);
    expect(out.warnings).toEqual([{ policy: 'prod/v6', message: expect.stringContaining('IPv4 only') }]);
    expect(allowed(out.rules, { src: TOOL, dst: DB })).toBe(false);
  });

  it('a selector peer its group does not list yet (the policy just changed) matches nothing; another policy\'s group is not used', () => {
    const db = np('prod', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] });
    const stale = groupsFor([np('prod', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] })]);
    expect(allowed(build([db], PODS, stale).rules, { src: API, dst: DB })).toBe(false);
    expect(allowed(build([db], PODS, stale).rules, { src: WEB, dst: DB })).toBe(false);
    const other = groupsFor([{ ...db, metadata: { namespace: 'prod', name: 'other' } }]);
    expect(allowed(build([db], PODS, other).rules, { src: API, dst: DB })).toBe(false);
    expect(allowed(build([db]).rules, { src: API, dst: DB })).toBe(true);
  });

  it('egress to a named port on a remote pod uses the port its group publishes, nothing else of that pod', () => {
    const out = np('prod', 'out', { podSelector: { matchLabels: { app: 'api' } }, egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }] });
    const groups = groupsFor([out]);
    expect(groups[0]?.peers).toEqual([{ podSelector: { matchLabels: { app: 'web' } }, addresses: [{ ip: WEB, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }] }]);
    // The web pod's port moved to 9090 (a new pod, same IP): the group says so, the rules follow.
    const moved = groups.map((g) => ({ ...g, peers: g.peers?.map((p) => ({ ...p, addresses: [{ ip: WEB, ports: [{ name: 'http', protocol: 'TCP' as const, port: 9090 }] }] })) }));
    expect(allowed(build([out], PODS, moved).rules, { src: API, dst: WEB, dport: 9090 })).toBe(true);
    expect(allowed(build([out], PODS, moved).rules, { src: API, dst: WEB, dport: 8080 })).toBe(false);
  });

  it('subtract: a block minus its excepts, fewest CIDRs', () => {
    const fmt = (c: { base: number; prefix: number }) => `${[24, 16, 8, 0].map((s) => (c.base >>> s) & 255).join('.')}/${c.prefix}`;
    expect(subtract(parseCidr('10.0.0.0/8'), []).map(fmt)).toEqual(['10.0.0.0/8']);
    expect(subtract(parseCidr('10.0.0.0/30'), [parseCidr('10.0.0.1/32')]).map(fmt)).toEqual(['10.0.0.0/32', '10.0.0.2/31']);
    expect(subtract(parseCidr('10.0.0.0/8'), [parseCidr('10.0.0.0/8')]).map(fmt)).toEqual([]);
    expect(subtract(parseCidr('0.0.0.0/0'), [parseCidr('10.0.0.0/8'), parseCidr('192.168.0.0/16')])).toHaveLength(7 + 15);
  });
});
