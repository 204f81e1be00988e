import { writeFileSync, renameSync } from 'node:fs';
import { stringify } from 'yaml';

/** Writes a kubeconfig for the admin user (HTTPS, embedded CA, bearer token), mode 0600, atomically. */
export function writeKubeconfig(path: string, server: string, caPem: string, token: string, name = 'skiff'): void {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: `${name}-admin`, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  };
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, stringify(doc), { mode: 0o600 });
  renameSync(tmp, path);
}
