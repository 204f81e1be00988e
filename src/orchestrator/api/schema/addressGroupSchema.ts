import { REF_PREFIX, type Definitions } from './types.js';

/** Skiff's own kind `networking.skiff.dev/v1alpha1 AddressGroup` (api/addressGroup.ts), written by hand. */
export function addressGroupDefinitions(): Definitions {
  const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  const selector = 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector';
  const p = 'dev.skiff.networking.v1alpha1.';
  return {
    [`${p}AddressGroup`]: {
      description: 'AddressGroup holds, for one NetworkPolicy (same namespace and name), the pod IPs each of its podSelector/namespaceSelector peers selects. Written by the control plane; each node enforces the policy from it without reading other nodes\' pods.',
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
        kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
        metadata: { allOf: [{ $ref: REF_PREFIX + meta }], description: "Standard object's metadata." },
        peers: { type: 'array', items: { allOf: [{ $ref: REF_PREFIX + `${p}AddressGroupPeer` }] }, description: 'One entry per distinct selector peer of the policy.' },
        span: { type: 'array', items: { type: 'string' }, description: 'The nodes running a pod the policy applies to; a node lists its groups with fieldSelector span=<node>.' },
      },
      'x-kubernetes-group-version-kind': [{ group: 'networking.skiff.dev', version: 'v1alpha1', kind: 'AddressGroup' }],
    },
    [`${p}AddressGroupPeer`]: {
      description: 'A peer of the policy, by its selectors, and the addresses of the pods it selects.',
      type: 'object',
      properties: {
        podSelector: { allOf: [{ $ref: REF_PREFIX + selector }], description: 'The peer\'s podSelector, as in the policy.' },
        namespaceSelector: { allOf: [{ $ref: REF_PREFIX + selector }], description: 'The peer\'s namespaceSelector, as in the policy.' },
        addresses: { type: 'array', items: { allOf: [{ $ref: REF_PREFIX + `${p}GroupAddress` }] }, description: 'The selected pods\' IPs, sorted.' },
      },
      required: ['addresses'],
    },
    [`${p}GroupAddress`]: {
      description: 'One selected pod: its IP and the named container ports the policy\'s egress rules ask for.',
      type: 'object',
      properties: {
        ip: { type: 'string', description: 'The pod IP.' },
        ports: { type: 'array', items: { allOf: [{ $ref: REF_PREFIX + `${p}NamedPort` }] }, description: 'Named ports of the pod that an egress rule names.' },
      },
      required: ['ip'],
    },
    [`${p}NamedPort`]: {
      description: 'A named container port.',
      type: 'object',
      properties: {
        name: { type: 'string', description: 'The port name.' },
        protocol: { type: 'string', description: 'TCP, UDP or SCTP.' },
        port: { type: 'integer', format: 'int32', description: 'The container port number.' },
      },
      required: ['name', 'protocol', 'port'],
    },
  };
}
