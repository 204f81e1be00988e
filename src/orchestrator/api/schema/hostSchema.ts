import { REF_PREFIX, type Definitions } from './types.js';

/** Skiff's own kind `skiff.dev/v1alpha1 Host`, written by hand (there is no upstream model). */
export function hostDefinitions(): Definitions {
  const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  return {
    'dev.skiff.v1alpha1.Host': {
      description: 'Host is a worker machine Skiff reaches over SSH. Provisioning turns it into a Node: it installs and starts the Skiff agent there.',
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
        kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
        metadata: { allOf: [{ $ref: REF_PREFIX + meta }], description: "Standard object's metadata." },
        spec: { allOf: [{ $ref: REF_PREFIX + 'dev.skiff.v1alpha1.HostSpec' }], description: 'How to reach the host.' },
        status: {
          type: 'object',
          description: 'Provisioning progress, written by Skiff (free-form).',
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
      'x-kubernetes-group-version-kind': [{ group: 'skiff.dev', version: 'v1alpha1', kind: 'Host' }],
    },
    'dev.skiff.v1alpha1.HostSpec': {
      description: 'HostSpec says how to reach a host over SSH.',
      type: 'object',
      properties: {
        address: { type: 'string', description: 'IP address or DNS name of the SSH server.' },
        port: { type: 'integer', format: 'int32', description: 'SSH port. Defaults to 22.' },
        user: { type: 'string', description: 'User to log in as.' },
        privateKeySecretRef: {
          allOf: [{ $ref: REF_PREFIX + 'dev.skiff.v1alpha1.SecretReference' }],
          description: 'Secret holding the private key (`data["ssh-privatekey"]`). Omit to use the SSH agent.',
        },
        useAgent: { type: 'boolean', description: 'Authenticate with the keys of the local SSH agent.' },
        hostKeyFingerprint: {
          type: 'string',
          description: 'Expected SHA256 fingerprint of the host key (`SHA256:...`). Omit to trust the key seen first and pin it in status.pinnedHostKey.',
        },
        nodeName: { type: 'string', description: "Name of the Node this host became (its hostname, lower-cased). Set by Skiff." },
      },
      required: ['address', 'user'],
    },
    'dev.skiff.v1alpha1.SecretReference': {
      description: 'A Secret named by namespace and name.',
      type: 'object',
      properties: {
        namespace: { type: 'string', description: 'Namespace of the Secret.' },
        name: { type: 'string', description: 'Name of the Secret.' },
      },
      required: ['name'],
    },
  };
}
