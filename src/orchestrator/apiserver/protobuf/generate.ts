/**
 * Build-time generator of `descriptors.json`: the protobuf message layouts of the Kubernetes API
 * types, so the API server can read the `application/vnd.kubernetes.protobuf` bodies kubectl's typed
 * clients send (`kubectl create namespace|configmap|secret|deployment|token`, `auth whoami`, ...).
 *
 * Go's gogo-protobuf code registers each `generated.proto` as a gzipped FileDescriptorProto, so
 * every kubectl binary carries the exact field numbers of its API version. This script finds those
 * descriptors in a kubectl binary and keeps the messages of the groups Skiff serves:
 *
 *   npx tsx src/orchestrator/apiserver/protobuf/generate.ts /usr/lib/google-cloud-sdk/bin/kubectl.1.32
 *
 * Output: `{ "<package>.<Message>": { f: [[number, name, type, repeated, typeName?]], map?: 1 } }`
 * with protobuf's FieldDescriptorProto type codes (9 string, 11 message, 12 bytes, ...).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { intOf, readFields, text, unsigned64 } from './wire.js';

type Field = [number, string, number, 0 | 1, string?];
interface Message {
  f: Field[];
  map?: 1;
}

const PACKAGES = [
  'k8s.io.api.core.v1',
  'k8s.io.api.apps.v1',
  'k8s.io.api.batch.v1',
  'k8s.io.api.authentication.v1',
  'k8s.io.api.authorization.v1',
  'k8s.io.api.autoscaling.v1',
  'k8s.io.api.networking.v1',
  'k8s.io.api.coordination.v1',
  'k8s.io.api.discovery.v1',
  'k8s.io.api.policy.v1',
  'k8s.io.api.rbac.v1',
  'k8s.io.api.scheduling.v1',
  'k8s.io.apimachinery.pkg.apis.meta.v1',
];

const binary = process.argv[2];
if (!binary) throw new Error('usage: generate.ts <kubectl binary>');
const data = readFileSync(binary);
const all = new Map<string, Message>();
const GZIP = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]);

for (let i = data.indexOf(GZIP); i >= 0; i = data.indexOf(GZIP, i + 1)) {
  let raw: Buffer;
  try {
    raw = gunzipSync(data.subarray(i, i + 4_000_000), { finishFlush: 2 /* Z_SYNC_FLUSH: stop at the member end */ });
  } catch {
    continue;
  }
  let fields;
  try {
    fields = readFields(raw);
  } catch {
    continue;
  }
  const name = text(fields.find((f) => f.no === 1)?.bytes);
  if (!name.startsWith('k8s.io/') || !name.endsWith('generated.proto')) continue;
  const pkg = text(fields.find((f) => f.no === 2)?.bytes);
  for (const m of fields.filter((f) => f.no === 4)) addMessage(pkg, m.bytes as Uint8Array);
}

function addMessage(prefix: string, bytes: Uint8Array): void {
  const fields = readFields(bytes);
  const name = `${prefix}.${text(fields.find((f) => f.no === 1)?.bytes)}`;
  const msg: Message = { f: [] };
  for (const f of fields) {
    if (f.no === 2) {
      const ff = readFields(f.bytes as Uint8Array);
      const get = (n: number) => ff.find((x) => x.no === n);
      const typeName = text(get(6)?.bytes).replace(/^\./, '');
      const entry: Field = [unsigned64(intOf(get(3))), text(get(1)?.bytes), unsigned64(intOf(get(5))), unsigned64(intOf(get(4))) === 3 ? 1 : 0];
      if (typeName) entry.push(typeName);
      msg.f.push(entry);
    } else if (f.no === 3) {
      addMessage(name, f.bytes as Uint8Array);
    } else if (f.no === 7) {
      if (readFields(f.bytes as Uint8Array).some((o) => o.no === 7 && unsigned64(intOf(o)) === 1)) msg.map = 1;
    }
  }
  all.set(name, msg);
}

// Keep what the chosen packages reach, plus the apimachinery types they use.
const keep = new Map<string, Message>();
const queue = [...all.keys()].filter((n) => PACKAGES.some((p) => n.startsWith(p + '.') && !n.slice(p.length + 1).includes('.')));
while (queue.length) {
  const n = queue.pop() as string;
  if (keep.has(n)) continue;
  const m = all.get(n);
  if (!m) throw new Error(`message ${n} is referenced but not found`);
  keep.set(n, m);
  for (const f of m.f) if (f[4]) queue.push(f[4]);
}
const sorted = Object.fromEntries([...keep.entries()].sort(([a], [b]) => a.localeCompare(b)));
// The package is CommonJS (no "type": "module"), so __dirname is there.
const out = join(__dirname, 'descriptors.json');
writeFileSync(out, JSON.stringify(sorted) + '\n');
console.log(`${keep.size} messages written to ${out}`);
