import { describe, expect, it } from 'vitest';
import { applyDefaults } from './defaults.js';
import { errors } from './errors.js';
import { resourceType } from './resources.js';
import type { KubeObject, StatusCause } from './types.js';
import { decodeBody, decodeError, pruneUnknownFields, unknownFields, validate, validateUpdate } from './validation.js';

const pod = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', ...meta },
  spec,
});

const deploy = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } },
    ...spec,
  },
});

const svc = (spec: Record<string, unknown>, name = 'web'): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });

function check(resource: string, obj: KubeObject, strict = true): StatusCause[] {
  const r = resourceType(resource);
  const o = structuredClone(obj);
  applyDefaults(r, o);
  return validate(r, o, { strict });
}

/** `field: message` lines, as kubectl prints each cause. */
function lines(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

type Case = [string, string, KubeObject, string[]];

const invalid: Case[] = [
  ['pod without name', 'pods', pod({ containers: [{ name: 'a', image: 'x' }] }, { name: undefined }), ['metadata.name: Required value: name or generateName is required']],
  [
    'pod with a bad name',
    'pods',
    pod({ containers: [{ name: 'a', image: 'x' }] }, { name: 'Bad_Name' }),
    [
      `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
  ],
  ['pod without containers', 'pods', pod({}), ['spec.containers: Required value']],
  ['dnsPolicy None without dnsConfig', 'pods', pod({ dnsPolicy: 'None', containers: [{ name: 'a', image: 'x' }] }), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
  [
    'bad dnsConfig and hostAliases',
    'pods',
    pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', 'dns.example'], options: [{ value: '1' }] }, hostAliases: [{ ip: 'nope', hostnames: ['ok.local'] }], containers: [{ name: 'a', image: 'x' }] }),
    [
      'spec.dnsConfig.nameservers: Invalid value: ["1.1.1.1","2.2.2.2","3.3.3.3","dns.example"]: must not have more than 3 nameservers',
      'spec.dnsConfig.nameservers[3]: Invalid value: "dns.example": must be valid IP address',
      'spec.dnsConfig.options[0].name: Required value: Must not be empty',
      'spec.hostAliases[0].ip: Invalid value: "nope": must be valid IP address',
    ],
  ],
  ['container without name and image', 'pods', pod({ containers: [{}] }), ['spec.containers[0].name: Required value', 'spec.containers[0].image: Required value']],
  ['duplicate container names', 'pods', pod({ containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] }), ['spec.containers[1].name: Duplicate value: "a"']],
  ['port out of range', 'pods', pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }] }), ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
  ['bad protocol', 'pods', pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, protocol: 'ICMP' }] }] }), ['spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
  ['bad restartPolicy', 'pods', pod({ restartPolicy: 'Sometimes', containers: [{ name: 'a', image: 'x' }] }), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
  ['request above limit', 'pods', pod({ containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1' }, requests: { cpu: '2' } } }] }), ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1']],
  ['bad quantity', 'pods', pod({ containers: [{ name: 'a', image: 'x', resources: { limits: { memory: '1 gig' } } }] }), ['spec.containers[0].resources.limits[memory]: Invalid value: "1 gig": must be a valid quantity']],
  ['wrong type', 'pods', pod({ containers: [{ name: 'a', image: 5 }] }), ['spec.containers[0].image: Invalid value: 5: must be of type string']],
  ['unknown field (strict)', 'pods', pod({ containers: [{ name: 'a', imagee: 'x', image: 'x' }] }), ['spec.containers[0].imagee: unknown field "spec.containers[0].imagee"']],
  ['volume mount of a missing volume', 'pods', pod({ containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] }), ['spec.containers[0].volumeMounts[0].name: Not found: "data"']],
  ['volume without a source', 'pods', pod({ volumes: [{ name: 'v' }], containers: [{ name: 'a', image: 'x' }] }), ['spec.volumes[0]: Required value: must specify a volume type']],
  ['bad label value', 'pods', pod({ containers: [{ name: 'a', image: 'x' }] }, { labels: { app: 'has space' } }), [
    `metadata.labels: Invalid value: "has space": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  ]],
  [
    'selector does not match template labels',
    'deployments',
    deploy({ selector: { matchLabels: { app: 'other' } } }),
    ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
  ],
  ['deployment without selector', 'deployments', deploy({ selector: undefined }), ['spec.selector: Required value']],
  ['negative replicas', 'deployments', deploy({ replicas: -1 }), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
  ['deployment template restartPolicy', 'deployments', deploy({ template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } }), [
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]],
  ['bad strategy', 'deployments', deploy({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]],
  ['job with default restartPolicy', 'jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } }, [
    'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
  ]],
  ...(() => {
    const cj = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } } }, ...spec } });
    return [
      ['cronjob bad schedule', 'cronjobs', cj({ schedule: '61 * * * *' }), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']],
      ['cronjob TZ in schedule', 'cronjobs', cj({ schedule: 'TZ=UTC * * * * *' }), ['spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
      ['cronjob unknown time zone', 'cronjobs', cj({ timeZone: 'Mars/Olympus' }), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']],
      ['cronjob job template restartPolicy', 'cronjobs', cj({ jobTemplate: { spec: { template: { spec: { restartPolicy: 'Always', containers: [{ name: 'a', image: 'x' }] } } } } }), [
        'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
      ]],
      ['indexed job without completions', 'jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' }, spec: { completionMode: 'Indexed', parallelism: 200000, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } } }, [
        'spec.completions: Required value: when completion mode is Indexed',
        'spec.parallelism: Invalid value: 200000: must be less than or equal to 100000 when completion mode is Indexed',
      ]],
      ['replicationcontroller selector mismatch', 'replicationcontrollers', { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'r', namespace: 'default' }, spec: { selector: { app: 'x' }, template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } }, [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`',
      ]],
    ] satisfies Case[];
  })(),
  ['service without ports', 'services', svc({ selector: { app: 'web' } }), ['spec.ports: Required value']],
  ['service bad type', 'services', svc({ type: 'Magic', ports: [{ port: 80 }] }), ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
  ['service port range', 'services', svc({ ports: [{ port: 0 }] }), ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
  ['service unnamed ports', 'services', svc({ ports: [{ port: 80 }, { port: 81 }] }), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']],
  ['nodePort out of range', 'services', svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }), ['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767']],
  ['nodePort twice for one protocol', 'services', svc({ type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }, { name: 'c', port: 82, protocol: 'UDP', nodePort: 30080 }] }), ['spec.ports[1].nodePort: Duplicate value: 30080']],
  ['loadBalancerSourceRanges: CIDRs, only on a LoadBalancer', 'services', svc({ type: 'NodePort', loadBalancerSourceRanges: ['10.0.0.0/8', ' 192.168.1.7/24 ', '2001:db8::/64', '10.0.0.1', 'office', '10.0.0.0/33'], ports: [{ port: 80 }] }), [
    "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
    'spec.LoadBalancerSourceRanges[3]: Invalid value: "10.0.0.1": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    'spec.LoadBalancerSourceRanges[4]: Invalid value: "office": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    'spec.LoadBalancerSourceRanges[5]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  ]],
  ['service name is a DNS-1035 label', 'services', svc({ ports: [{ port: 80 }] }, '1web'), [
    `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  ]],
  ['externalName required', 'services', svc({ type: 'ExternalName' }), ['spec.externalName: Required value']],
  ['configmap bad key', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { 'bad key': 'x' } }, [
    `data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  ]],
  ['secret bad base64', 'secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { a: 'not base64!' } }, ['data[a]: Invalid value: "not base64!": must be base64-encoded']],
  ['pvc without access modes', 'persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' }, spec: { resources: { requests: { storage: '1Gi' } } } }, [
    'spec.accessModes: Required value: at least 1 access mode is required',
  ]],
  ['ingress path type', 'ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' }, spec: { rules: [{ http: { paths: [{ path: 'x', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }] } }, [
    'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
  ]],
  ['network policy peers and ports', 'networkpolicies', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'default' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Sideways'], ingress: [{ from: [{}, { ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }, podSelector: {} }], ports: [{ port: 'http', endPort: 90 }, { port: 100, endPort: 99, protocol: 'ICMP' }] }] } }, [
    'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
    'spec.ingress[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    'spec.ingress[0].ports[1].endPort: Invalid value: 99: must be greater than or equal to `port`',
    'spec.ingress[0].from[0]: Required value: must specify a peer',
    'spec.ingress[0].from[1]: Invalid value: {"ipBlock":{"cidr":"10.0.0.0/8","except":["192.168.0.0/16"]},"podSelector":{}}: may not specify more than 1 peer type when ipBlock is set',
    'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`',
    'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
  ]],
  ['ingress path sequences', 'ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' }, spec: { rules: [{ http: { paths: [
    { path: '/a//b', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } },
    { path: '/a/..', pathType: 'Exact', backend: { service: { name: 's', port: { number: 80 } } } },
    { path: 'rel', pathType: 'ImplementationSpecific', backend: { service: { name: 's', port: { number: 80 } } } },
    { path: '/x', backend: { service: { name: 's', port: { number: 80 } } } },
    { path: 'a/./b%2F..', pathType: 'Exact', backend: { service: { name: 's', port: { number: 80 } } } },
  ] } }] } }, [
    `spec.rules[0].http.paths[0].path: Invalid value: "/a//b": must not contain '//'`,
    `spec.rules[0].http.paths[1].path: Invalid value: "/a/..": cannot end with '/..'`,
    'spec.rules[0].http.paths[2].path: Invalid value: "rel": must be an absolute path',
    'spec.rules[0].http.paths[3].pathType: Required value: pathType must be specified',
    'spec.rules[0].http.paths[4].path: Invalid value: "a/./b%2F..": must be an absolute path',
    `spec.rules[0].http.paths[4].path: Invalid value: "a/./b%2F..": must not contain '/./'`,
    `spec.rules[0].http.paths[4].path: Invalid value: "a/./b%2F..": must not contain '%2F'`,
  ]],
  ['ingress class controller', 'ingressclasses', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'c' }, spec: { controller: 'nodomain' } }, [
    'spec.controller: Invalid value: "nodomain": must be a domain-prefixed path (such as "acme.io/foo")',
  ]],
  ['namespace name', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }, [
    `metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]],
  ['host port', 'hosts', { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'h1' }, spec: { address: '10.0.0.2', user: 'root', port: 99999 } }, ['spec.port: Invalid value: 99999: must be between 1 and 65535, inclusive']],
  ['host missing address', 'hosts', { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'h1' }, spec: { user: 'root' } }, ['spec.address: Required value']],
];

describe('validate', () => {
  it.each(invalid)('%s', (_name, resource, obj, expected) => {
    const got = lines(check(resource, obj));
    for (const e of expected) expect(got).toContain(e);
  });

  it.each<[string, KubeObject]>([
    ['pod', pod({ containers: [{ name: 'a', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '500m', memory: '128Mi' } } }] })],
    ['deployment', deploy({ replicas: 3 })],
    ['service', svc({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] })],
    ['headless service', svc({ clusterIP: 'None', selector: { app: 'web' } })],
    ['secret with stringData', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, stringData: { password: 'p4ss' } }],
    ['namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }],
    ['event', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'p.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Scheduled', type: 'Normal', count: 1, firstTimestamp: '2025-01-01T00:00:00Z' }],
    ['lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.000000Z' } }],
    ['endpointslice', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }], ports: [{ port: 80 }] }],
    ['host', { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'h1' }, spec: { address: '10.0.0.2', user: 'root', privateKeySecretRef: { namespace: 'kube-system', name: 'k' } }, status: { phase: 'Ready', anything: { goes: 1 } } }],
  ])('accepts a valid %s', (_n, obj) => {
    const resource = { pod: 'pods', deployment: 'deployments', service: 'services', 'headless service': 'services', 'secret with stringData': 'secrets', namespace: 'namespaces', event: 'events', lease: 'leases', endpointslice: 'endpointslices', host: 'hosts' }[_n] as string;
    expect(lines(check(resource, obj))).toEqual([]);
  });

  it('reports unknown fields only when strict, and can prune them', () => {
    const r = resourceType('pods');
    const p = pod({ containers: [{ name: 'a', image: 'x', imagee: 'y' }], nodeSelectorr: {} }, { labelz: {} });
    expect(validate(r, p, { strict: false })).toEqual([]);
    expect(unknownFields(r, p)).toEqual(['metadata.labelz', 'spec.containers[0].imagee', 'spec.nodeSelectorr']);
    expect(pruneUnknownFields(r, p)).toHaveLength(3);
    expect(unknownFields(r, p)).toEqual([]);
  });

  it('the error the real decoder gives: 400 for create, 422 on `patch` for PATCH', () => {
    const r = resourceType('pods');
    const p = pod({ containers: [{ name: 'a', image: 'x', imagee: 'y' }] });
    const e = decodeError(r, p, { strict: true });
    expect(e?.code).toBe(400);
    expect(e?.reason).toBe('BadRequest');
    expect(e?.message).toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee"');
    expect(decodeError(r, p, { strict: false })).toBeUndefined();
    const typed = decodeError(r, pod({ containers: [{ name: 'a', image: 5 }] }), { strict: false });
    expect(typed?.message).toBe('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string');
    const pe = decodeError(r, p, { strict: true, patch: { spec: { x: 1 } } });
    expect(pe?.code).toBe(422);
    expect(pe?.toStatus().details?.causes?.[0]?.field).toBe('patch');
    expect(pe?.message).toContain('strict decoding error: unknown field "spec.containers[0].imagee"');
  });

  it('decodeBody: the same error in one walk, and otherwise the body normalized as the decoder leaves it', () => {
    const r = resourceType('pods');
    const strict = pod({ containers: [{ name: 'a', image: 'x', imagee: 'y' }] });
    expect(decodeBody(r, strict, { strict: true })?.message).toBe(decodeError(r, pod({ containers: [{ name: 'a', image: 'x', imagee: 'y' }] }), { strict: true })?.message);
    expect(decodeBody(r, pod({ containers: [{ name: 'a', image: 5 }] }), { strict: false })?.message).toContain('cannot unmarshal number into Go struct field Container.spec.containers.image');
    const lenient = pod({ containers: [{ name: 'a', image: 'x', imagee: 'y', args: [null], resources: null }] }, { labelz: {} });
    expect(decodeBody(r, lenient, { strict: false })).toBeUndefined();
    expect(lenient.spec).toEqual({ containers: [{ name: 'a', image: 'x', args: [''] }] });
    expect(unknownFields(r, lenient)).toEqual([]);
  });

  it('all causes print as kubectl prints them', () => {
    const r = resourceType('pods');
    const causes = check('pods', pod({ containers: [{ name: 'a' }] }));
    expect(errors.invalid(r, 'p', causes).message).toBe('Pod "p" is invalid: spec.containers[0].image: Required value');
    // Outside the core group the kind carries its group, as kube-apiserver's NewInvalid names it.
    expect(errors.invalid(resourceType('cronjobs'), 'c', [{ field: 'spec.schedule', message: 'Required value', reason: 'FieldValueRequired' }]).message).toBe('CronJob.batch "c" is invalid: spec.schedule: Required value');
  });
});

/** Sets a dotted path (`spec.containers.0.image`) of decoded JSON; `+` as last part appends. */
function set(o: unknown, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop() as string;
  const parent = parts.reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], o) as Record<string, unknown> & unknown[];
  if (last === '+') parent.push(value);
  else parent[last] = value;
}

describe('a status write (part: status)', () => {
  const r = resourceType('pods');
  // Wrong outside status (a spec the schema refuses, an unknown field); wrong inside status too.
  const obj = () =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 5 }], bogus: 1 },
      status: { phase: 'Running', podIP: 7, extra: true, conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }] },
    }) as unknown as KubeObject;

  it('walks only status: what a status write may change', () => {
    const got = validate(r, obj(), { strict: true, part: 'status' });
    const causes = got.map((c) => c.field);
    expect(causes).toContain('status.podIP');
    expect(causes).toContain('status.extra');
    // The schema walk's findings (wrong types, unknown fields) outside status are not looked for;
    // the kind's own rules still run (they read the stored spec).
    expect(got.filter((c) => c.field?.startsWith('spec') && (c.reason === 'FieldValueTypeInvalid' || /unknown field/.test(c.message ?? '')))).toEqual([]);
    // The whole object, as a create or an update checks it: spec's problems are found too.
    const all = validate(r, obj(), { strict: true }).map((c) => c.field);
    expect(all).toEqual(expect.arrayContaining(['spec.containers[0].image', 'spec.bogus', 'status.podIP']));
  });

  it('decodes (prunes, normalizes) only status', () => {
    const o = obj();
    expect(decodeBody(r, o, { strict: false, part: 'status' })?.message).toContain('status.podIP');
    const fine = { ...obj(), status: { phase: 'Running', extra: true } } as unknown as KubeObject;
    expect(decodeBody(r, fine, { strict: false, part: 'status' })).toBeUndefined();
    expect((fine.status as Record<string, unknown>).extra).toBeUndefined();
    expect((fine.spec as Record<string, unknown>).bogus).toBe(1);
  });
});

describe('validateUpdate', () => {
  function upd(resource: string, old: KubeObject, mutate: (o: KubeObject) => void): string[] {
    const r = resourceType(resource);
    const before = structuredClone(old);
    applyDefaults(r, before);
    const after = structuredClone(before);
    mutate(after);
    applyDefaults(r, after);
    return lines(validateUpdate(r, after, before));
  }

  const running = pod({ nodeName: 'n1', containers: [{ name: 'a', image: 'x:1' }], tolerations: [{ key: 'k', operator: 'Exists' }] });

  it('pods: image, activeDeadlineSeconds and added tolerations may change', () => {
    expect(upd('pods', running, (p) => set(p, 'spec.containers.0.image', 'x:2'))).toEqual([]);
    expect(upd('pods', running, (p) => set(p, 'spec.activeDeadlineSeconds', 30))).toEqual([]);
    expect(upd('pods', running, (p) => set(p, 'spec.tolerations.+', { key: 'j', operator: 'Exists' }))).toEqual([]);
    expect(upd('pods', running, (p) => set(p, 'metadata.labels', { a: 'b' }))).toEqual([]);
  });

  it('pods: everything else is forbidden', () => {
    const [msg] = upd('pods', running, (p) => set(p, 'spec.nodeName', 'n2'));
    expect(msg).toMatch(/^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
    expect(msg).toContain('spec.nodeName');
    expect(upd('pods', running, (p) => set(p, 'spec.tolerations', []))).toHaveLength(1);
    expect(upd('pods', running, (p) => set(p, 'spec.containers.+', { name: 'b', image: 'y' }))).toHaveLength(1);
  });

  it('workload selectors are immutable', () => {
    expect(upd('deployments', deploy({}), (d) => set(d, 'spec.replicas', 5))).toEqual([]);
    expect(upd('deployments', deploy({}), (d) => set(d, 'spec.selector', { matchLabels: { app: 'x' } }))).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('a controller revision may be renumbered, its data never changes', () => {
    const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'default' }, data: { spec: { template: { $patch: 'replace' } } }, revision: 1 } as KubeObject;
    expect(upd('controllerrevisions', cr, (x) => set(x, 'revision', 3))).toEqual([]);
    expect(upd('controllerrevisions', cr, (x) => set(x, 'data', { spec: {} }))).toEqual(['data: Invalid value: {"spec":{}}: field is immutable']);
  });

  it('a service cluster IP is immutable once set', () => {
    const s = svc({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
    expect(upd('services', s, (x) => set(x, 'spec.clusterIP', '10.96.0.11'))).toEqual(['spec.clusterIP: Invalid value: "10.96.0.11": field is immutable']);
    expect(upd('services', s, (x) => set(x, 'spec.ports.0.port', 81))).toEqual([]);
  });

  it('immutable configmaps and identity metadata', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', uid: 'u1' }, data: { a: '1' }, immutable: true };
    expect(upd('configmaps', cm, (c) => set(c, 'data.a', '2'))).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(upd('configmaps', cm, (c) => set(c, 'metadata.uid', 'u2'))).toEqual(['metadata.uid: Invalid value: "u2": field is immutable']);
  });
});
