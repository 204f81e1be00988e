import { stringify as toYaml } from 'yaml';
import { RESOURCES, type ResourceType } from '../../../src/orchestrator/api/resources.js';
import { schemaFor } from '../../../src/orchestrator/api/schema/index.js';
import { deep, hostileValue, mutate } from './mutate.js';
import { hostileProtobuf } from './protobuf.js';
import type { Random } from './random.js';
import { NS, resourcePath, SEEDS } from './seeds.js';

/** One generated request, and what answers it may have besides a success or a well-formed Status. */
export interface FuzzRequest {
  label: string;
  method: string;
  /** The request target exactly as sent. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Bytes sent as they are instead of a request built from the fields above (HTTP-level tricks). */
  raw?: Buffer;
  /** Close our side once sent (a body shorter than its Content-Length). */
  halfClose?: boolean;
  /** No answer at all is fine: the server is waiting for the rest of a body it was promised. */
  mayHang?: boolean;
  /** The answer may come from Node's HTTP parser (plain 400, 413, 431) instead of the API. */
  httpLevel?: boolean;
  /** A watch: the answer is a stream of events (the request asks for timeoutSeconds=1). */
  watch?: boolean;
}

/** The kinds generated requests write (every served kind but Hosts, whose objects make the control plane dial SSH). */
export const WRITABLE: ResourceType[] = RESOURCES.filter((r) => SEEDS[r.resource]);
/** Name of each kind's seed object, created before the run. */
export const seedName = (r: ResourceType) => `fz-${r.singular.replace(/[^a-z0-9-]/g, '')}`;

const json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');

function yamlBody(v: unknown): Buffer {
  try {
    return Buffer.from(toYaml(v, { aliasDuplicateObjects: false }));
  } catch {
    return json(v); // too deep for the YAML writer here; JSON is YAML too
  }
}

function bodyAs(r: Random, v: unknown): { body: Buffer; type?: string } {
  return r.weighted<{ body: Buffer; type?: string }>([
    [6, { body: json(v), type: 'application/json' }],
    [2, { body: yamlBody(v), type: 'application/yaml' }],
    [1, { body: json(v) }],
    [1, { body: json(v), type: r.pick(['text/plain', 'application/json; charset=latin1', 'application/xml', ';;;', 'application/vnd.kubernetes.protobuf']) }],
  ]);
}

function mutatedSeed(r: Random, res: ResourceType, name: string): { obj: Record<string, unknown>; note: string } {
  const obj = (SEEDS[res.resource] as (n: string) => Record<string, unknown>)(name);
  const n = r.pick([1, 1, 1, 2, 3]);
  const notes: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = mutate(r, schemaFor(res), obj);
    notes.push(`${m.what}${m.path}`);
  }
  return { obj, note: notes.join(' ') };
}

const SELECTORS = [
  'app=fz', 'app in (a,b', 'app notin ()', '!', '=x', 'a==b==c', 'x'.repeat(5000), 'a,'.repeat(3000), 'a in (' + 'v,'.repeat(2000) + 'v)', 'ü=ü', 'a/b/c=d', '(', ')', '%', 'a!=', ',,,',
  Array.from({ length: 1500 }, (_, i) => `k${i}=v${i}`).join(','),
];
const FIELD_SELECTORS = ['metadata.name=x', 'spec.nodeName=', 'status.phase!=Running', 'a', '==', 'metadata.name=x,'.repeat(2000), 'x'.repeat(8000), 'metadata.__proto__.x=1', 'constructor.name=Object'];
const QUERY_VALUES = ['', 'true', 'True', '1', 'yes', 'false', 'FaLsE', '0', '-1', '1e3', '99999999999999999999', 'NaN', '%', 'x'.repeat(2000)];

function query(r: Random, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  const keys = ['labelSelector', 'fieldSelector', 'resourceVersion', 'timeoutSeconds', 'limit', 'continue', 'allowWatchBookmarks', 'sendInitialEvents', 'resourceVersionMatch', 'pretty', 'dryRun', 'fieldManager', 'fieldValidation', 'force', 'gracePeriodSeconds', 'propagationPolicy', 'orphanDependents', 'includeObject', 'container', 'tailLines', 'sinceSeconds', 'sinceTime', 'follow', 'limitBytes'];
  for (let i = r.int(4); i > 0; i--) {
    const k = r.pick(keys);
    const v = k === 'labelSelector' ? r.pick(SELECTORS) : k === 'fieldSelector' ? r.pick(FIELD_SELECTORS) : r.pick(QUERY_VALUES);
    q.append(k, v);
    if (r.chance(0.2)) q.append(k, r.pick(QUERY_VALUES));
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function hostilePatch(r: Random, res: ResourceType, type: string): unknown {
  const seed = mutatedSeed(r, res, seedName(res)).obj;
  switch (type) {
    case 'json':
      return r.weighted<unknown>([
        [4, Array.from({ length: r.pick([1, 3, 50]) }, () => ({ op: r.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus', '_get']), path: r.pick(['/metadata/labels/x', '/spec', '', '/', '/a/b/c', '/metadata/labels/~2', '/spec/containers/99999999', '/spec/containers/-', '/__proto__/x', '/constructor/prototype/x']), from: r.pick(['/metadata', '/nope', '/spec', undefined]), value: hostileValue(r, undefined) }))],
        [1, Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/kind', value: res.kind }))],
        [1, [{ op: 'add', path: '/metadata/annotations', value: {} }, ...Array.from({ length: 30 }, (_, i) => ({ op: 'copy', from: '/spec', path: `/metadata/annotations/c${i}` }))]],
        [1, { op: 'add' }],
        [1, deep(r.pick([999, 1001]))],
      ]);
    case 'strategic':
      return r.weighted<unknown>([
        [4, seed],
        [1, { metadata: { labels: { $patch: r.pick(['replace', 'delete', 'bogus', 1]) } } }],
        [1, { spec: { template: { spec: { containers: [{ $patch: 'delete' }, { name: null }, 'x', { name: 'c', $retainKeys: 'x' }] } } } }],
        [1, { spec: { $setElementOrder: { x: 1 }, '$setElementOrder/containers': r.pick(['x', [1, null, {}]]), '$deleteFromPrimitiveList/finalizers': 'x' } }],
        [1, { metadata: { finalizers: [{}, null] }, $retainKeys: ['metadata', 5] }],
      ]);
    default:
      return seed;
  }
}

/** Generates request number n of a run; the same Random fork always gives the same request. */
export function generate(r: Random): FuzzRequest {
  const res = r.pick(WRITABLE);
  const name = r.chance(0.6) ? seedName(res) : `fz-${r.int(1e6)}`;
  const kind = r.weighted<string>([
    [20, 'create'], [8, 'update'], [16, 'patch'], [8, 'read'], [3, 'watch'], [6, 'delete'], [6, 'subresource'], [8, 'path'], [6, 'raw'], [6, 'protobuf'], [3, 'deep'], [2, 'size'],
  ]);
  switch (kind) {
    case 'create': {
      const { obj, note } = mutatedSeed(r, res, `fz-${r.int(1e6)}`);
      const b = bodyAs(r, obj);
      return { label: `create ${res.resource} ${note}`, method: 'POST', target: resourcePath(res) + query(r), headers: b.type ? { 'Content-Type': b.type } : {}, body: b.body };
    }
    case 'update': {
      const { obj, note } = mutatedSeed(r, res, name);
      const b = bodyAs(r, obj);
      const sub = r.chance(0.2) && res.hasStatus ? '/status' : '';
      return { label: `update ${res.resource}${sub} ${note}`, method: 'PUT', target: resourcePath(res, name) + sub + query(r), headers: b.type ? { 'Content-Type': b.type } : {}, body: b.body };
    }
    case 'patch': {
      const type = r.pick(['merge', 'strategic', 'json', 'apply', 'apply', 'bogus']);
      const ct = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json', apply: 'application/apply-patch+yaml', bogus: r.pick(['application/json', 'application/patch', '']) }[type] as string;
      const patch = hostilePatch(r, res, type);
      const body = type === 'apply' && r.chance(0.5) ? yamlBody(patch) : json(patch);
      const q = query(r, type === 'apply' && r.chance(0.8) ? { fieldManager: r.pick(['fuzz', 'kubectl', '\u0001', 'm'.repeat(200)]) } : {});
      const sub = r.chance(0.15) ? r.pick(['/status', '/scale', '/bogus']) : '';
      return { label: `patch ${type} ${res.resource}${sub}`, method: 'PATCH', target: resourcePath(res, name) + sub + q, headers: ct ? { 'Content-Type': ct } : {}, body };
    }
    case 'read':
      return { label: `read ${res.resource}`, method: r.pick(['GET', 'GET', 'HEAD']), target: resourcePath(res, r.chance(0.5) ? name : undefined, r.pick([NS, NS, 'default', 'nope'])) + query(r), headers: { Accept: r.pick(['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/vnd.kubernetes.protobuf', '*/*', 'text/html', ';;']) } };
    case 'watch':
      return { label: `watch ${res.resource}`, method: 'GET', target: resourcePath(res) + query(r, { watch: r.pick(['true', '1', 'yes', '']), timeoutSeconds: '1', resourceVersion: r.pick(['0', '1', '999999999999', '-5', 'x', '']) }), headers: {}, watch: true };
    case 'delete': {
      const body = r.weighted<Buffer | undefined>([
        [3, undefined],
        [3, json({ propagationPolicy: r.pick(['Foreground', 'Background', 'Orphan', 'Sideways', 5, null]), gracePeriodSeconds: r.pick([0, -1, 1.5, 1e308, '5', undefined]), dryRun: r.pick([['All'], ['x'], 'All', undefined]) })],
        [1, json(hostileValue(r, undefined))],
        [1, json({ preconditions: r.pick([{ uid: 'x' }, { resourceVersion: 1 }, 'x', { uid: null }]) })],
      ]);
      // Never the namespaces a run depends on.
      const target = res.resource === 'namespaces' ? `fz-${r.int(1e6)}` : name;
      return { label: `delete ${res.resource}`, method: 'DELETE', target: resourcePath(res, r.chance(0.15) ? undefined : target) + query(r, { dryRun: r.chance(0.5) ? 'All' : '' }), headers: body ? { 'Content-Type': 'application/json' } : {}, body };
    }
    case 'subresource': {
      const sub = r.pick(['status', 'scale', 'log', 'exec', 'attach', 'portforward', 'binding', 'token', 'proxy', 'finalize', 'eviction', 'x']);
      const method = r.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'FOO']);
      const body = method === 'GET' || method === 'DELETE' ? undefined : json(hostileValue(r, undefined));
      return { label: `${method} ${res.resource}/${sub}`, method, target: `${resourcePath(res, name)}/${sub}${query(r)}`, headers: body ? { 'Content-Type': r.pick(['application/json', 'application/merge-patch+json']) } : {}, body };
    }
    case 'path':
      return { label: 'path trick', method: r.pick(['GET', 'DELETE', 'POST']), target: pathTrick(r, res), headers: {}, httpLevel: true };
    case 'raw':
      return rawTrick(r, res);
    case 'protobuf': {
      const p = hostileProtobuf(r);
      const target = r.pick([resourcePath(res), '/apis/authentication.k8s.io/v1/selfsubjectreviews', `/api/v1/namespaces/${NS}/serviceaccounts/fz-serviceaccount/token`, resourcePath(res, name)]);
      return { label: `protobuf ${p.what}`, method: target.endsWith(name) ? 'PUT' : 'POST', target, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' }, body: p.body };
    }
    case 'deep': {
      // Built as text: this process's own JSON.stringify stops at a few thousand levels.
      const d = r.pick([999, 1000, 1001, 10_000, 400_000]);
      const arr = r.chance(0.5);
      const nest = arr ? '['.repeat(d) + '"x"' + ']'.repeat(d) : '{"a":'.repeat(d) + '"x"' + '}'.repeat(d);
      const text = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fz-${r.int(1e6)}"},"data":${nest}}`;
      const yamlText = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fz-${r.int(1e6)}\ndata: ${nest}\n`;
      const how = r.pick(['POST', 'POST-yaml', 'PATCH-merge', 'PATCH-strategic', 'PATCH-json', 'PATCH-apply']);
      const path = how.startsWith('POST') ? resourcePath(res) : resourcePath(res, name) + (how === 'PATCH-apply' ? '?fieldManager=fuzz' : '');
      const ct = {
        POST: 'application/json',
        'POST-yaml': 'application/yaml',
        'PATCH-merge': 'application/merge-patch+json',
        'PATCH-strategic': 'application/strategic-merge-patch+json',
        'PATCH-json': 'application/json-patch+json',
        'PATCH-apply': 'application/apply-patch+yaml',
      }[how] as string;
      const body = how === 'POST-yaml' ? yamlText : how === 'PATCH-json' ? `[{"op":"add","path":"/metadata/annotations","value":${nest}}]` : text;
      return { label: `deep ${d} ${how}`, method: how.startsWith('POST') ? 'POST' : 'PATCH', target: path, headers: { 'Content-Type': ct }, body: Buffer.from(body) };
    }
    default: {
      const n = r.pick([3 * 1024 * 1024 - 200, 3 * 1024 * 1024 + 1]);
      const v = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `fz-${r.int(1e6)}` }, data: { big: 'x'.repeat(n) } };
      return { label: `size ${n}`, method: 'POST', target: resourcePath(WRITABLE.find((x) => x.resource === 'configmaps') as ResourceType), headers: { 'Content-Type': 'application/json' }, body: json(v) };
    }
  }
}

function pathTrick(r: Random, res: ResourceType): string {
  const base = resourcePath(res);
  return r.pick([
    '//', '/%', '/%%', `${base}/%E0%A4%A`, `${base}/%E0%A4`, `${base}/%zz`, `${base}/..`, `${base}/.`, `${base}/a%2Fb`, `${base}/a%00b`, `${base}/${'x'.repeat(5000)}`,
    '/api/v1/namespaces//pods', '/api/v1/namespaces/%2e%2e/pods', '/apis', '/apis/', '/apis/nope/v1/things', '/apis/apps/v9/deployments', '/api/v2', '/api/v1/nope',
    `${base}/x/y/z/w`, `${base}?watch=true&watch=false&timeoutSeconds=1`, '/openapi/v3/../../etc/passwd', '/openapi/v3/apis/apps/v1%', '/healthz/../api', '/version?x=%zz',
    `${base}/${encodeURIComponent('fz-\u00e9')}`, '/api/v1/namespaces/default/pods/x/exec?command=sh', `/${'a/'.repeat(3000)}`,
  ]);
}

/** Requests built byte by byte: short bodies, bad framing, bad methods, upgrades. */
function rawTrick(r: Random, res: ResourceType): FuzzRequest {
  const target = resourcePath(res);
  const what = r.pick(['short-close', 'short-hold', 'bad-chunked', 'conflicting-length', 'bad-method', 'upgrade', 'huge-header', 'no-host', 'expect']);
  const head = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n\r\n');
  const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fz-raw"}}';
  const auth = 'Authorization: Bearer {token}';
  switch (what) {
    case 'short-close':
      return { label: `raw ${what}`, method: 'POST', target, headers: {}, raw: Buffer.concat([head([`POST ${target} HTTP/1.1`, 'Host: x', auth, 'Content-Type: application/json', 'Content-Length: 1000']), Buffer.from(body.slice(0, 20))]), halfClose: true, mayHang: true, httpLevel: true };
    case 'short-hold':
      return { label: `raw ${what}`, method: 'POST', target, headers: {}, raw: Buffer.concat([head([`POST ${target} HTTP/1.1`, 'Host: x', auth, 'Content-Type: application/json', 'Content-Length: 1000']), Buffer.from(body.slice(0, 20))]), mayHang: true, httpLevel: true };
    case 'bad-chunked':
      return { label: `raw ${what}`, method: 'POST', target, headers: {}, raw: Buffer.concat([head([`POST ${target} HTTP/1.1`, 'Host: x', auth, 'Content-Type: application/json', 'Transfer-Encoding: chunked']), Buffer.from('zz\r\nabc\r\n0\r\n\r\n')]), httpLevel: true, mayHang: true };
    case 'conflicting-length':
      return { label: `raw ${what}`, method: 'POST', target, headers: {}, raw: head([`POST ${target} HTTP/1.1`, 'Host: x', auth, 'Content-Length: 5', 'Content-Length: 7', '', '12345']), httpLevel: true };
    case 'bad-method':
      return { label: `raw ${what}`, method: 'FOO', target, headers: {}, raw: head([`${r.pick(['FOO', 'PRI', 'CONNECT', 'TRACE'])} ${target} HTTP/1.1`, 'Host: x', auth, 'Connection: close']), httpLevel: true };
    case 'upgrade':
      return { label: `raw ${what}`, method: 'GET', target, headers: {}, raw: head([`GET ${r.pick(['//', '/%', `${target}/%E0%A4%A`, `${target}?watch=true&timeoutSeconds=1`, '/api/v1/namespaces/fuzz/pods/fz-pod/exec?command=sh&stdout=1'])} HTTP/1.1`, 'Host: x', auth, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']), httpLevel: true, mayHang: true };
    case 'huge-header':
      return { label: `raw ${what}`, method: 'GET', target, headers: {}, raw: head([`GET ${target} HTTP/1.1`, 'Host: x', auth, `X-Big: ${'x'.repeat(20_000)}`, 'Connection: close']), httpLevel: true };
    case 'no-host':
      return { label: `raw ${what}`, method: 'GET', target, headers: {}, raw: head([`GET ${target} HTTP/1.0`, auth]), httpLevel: true };
    default:
      return { label: `raw ${what}`, method: 'POST', target, headers: {}, raw: Buffer.concat([head([`POST ${target} HTTP/1.1`, 'Host: x', auth, 'Expect: 100-continue', 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Connection: close']), Buffer.from(body)]), httpLevel: true };
  }
}
