import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import defs from '../../api/schema/definitions.json';
import raw from './descriptors.json';
import { decodeKubeProtobuf, goDuration, INLINE_FIELDS, isKubeProtobuf, JSON_NAMES } from './decode.js';

// A minimal protobuf writer for the test: varint fields (wire 0) and length-delimited ones (wire 2).
type F = [number, number | bigint | boolean] | [number, string | Uint8Array | F[]];
function enc(fields: F[]): Uint8Array {
  const out: number[] = [];
  const varint = (v: bigint) => {
    let x = BigInt.asUintN(64, v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      out.push(b);
    } while (x);
  };
  for (const [no, v] of fields) {
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
      varint(BigInt(no << 3));
      varint(typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v));
    } else {
      const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : v instanceof Uint8Array ? v : enc(v);
      varint(BigInt((no << 3) | 2));
      varint(BigInt(bytes.length));
      for (const b of bytes) out.push(b);
    }
  }
  return Uint8Array.from(out);
}
const envelope = (apiVersion: string, kind: string, raw: F[]) => Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), enc([[1, [[1, apiVersion], [2, kind]]], [2, enc(raw)]])]);

// Field numbers from k8s.io/api generated.proto (what kubectl's typed clients send).
const meta = (name: string, extra: F[] = []): F => [1, [[1, name], [2, ''], [3, ''], [5, ''], ...extra]];

describe('Kubernetes protobuf bodies', () => {
  it('recognizes the media type', () => {
    expect(isKubeProtobuf('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isKubeProtobuf('application/vnd.kubernetes.protobuf;stream=watch')).toBe(true);
    expect(isKubeProtobuf('application/json')).toBe(false);
  });

  it('decodes a ConfigMap and a Secret: maps, bytes as base64, empty strings dropped', () => {
    const cm = decodeKubeProtobuf(envelope('v1', 'ConfigMap', [meta('c', [[11, [[1, 'app'], [2, 'web']]]]), [2, [[1, 'k'], [2, 'v']]], [2, [[1, 'e'], [2, '']]]]));
    expect(cm).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { app: 'web' } }, data: { k: 'v', e: '' } });
    const secret = decodeKubeProtobuf(envelope('v1', 'Secret', [meta('s'), [2, [[1, 'p'], [2, new Uint8Array([0x71])]]], [3, 'Opaque']]));
    expect(secret).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'cQ==' }, type: 'Opaque' });
  });

  it('decodes a Deployment: an explicit replicas 0 survives, IntOrString, Time and repeated fields', () => {
    const container: F[] = [[1, 'c'], [2, 'img:1'], [3, 'sleep'], [3, '1'], [6, [[3, 8080], [4, 'TCP']]]];
    const d = decodeKubeProtobuf(
      envelope('apps/v1', 'Deployment', [
        meta('d', [[8, [[1, 1_700_000_000], [2, 0]]]]),
        [2, [[1, 0], [2, [[1, [[1, 'app'], [2, 'd']]]]], [3, [[1, [[11, [[1, 'app'], [2, 'd']]]]], [2, [[2, container]]]]], [4, [[1, 'RollingUpdate'], [2, [[1, [[1, 1], [3, '25%']]], [2, [[1, 0], [2, 0]]]]]]], [5, 0]]],
      ]),
    );
    expect(d).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', creationTimestamp: '2023-11-14T22:13:20Z' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'img:1', command: ['sleep', '1'], ports: [{ containerPort: 8080, protocol: 'TCP' }] }] } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 0 } },
      },
    });
  });

  it('puts the fields of inlined Go structs in their parent, as JSON has them (kubectl create ingress, a pod template with volumes, probes, secret refs)', () => {
    const ing = decodeKubeProtobuf(
      envelope('networking.k8s.io/v1', 'Ingress', [
        meta('i'),
        [2, [[3, [[1, 'foo.com'], [2, [[1, [[1, [[1, '/'], [3, 'Prefix'], [2, [[4, [[1, 'web'], [2, [[2, 80]]]]]]]]]]]]]]]]],
      ]),
    );
    expect(ing.spec).toEqual({ rules: [{ host: 'foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] });
    const container: F[] = [[1, 'c'], [2, 'img:1'], [7, [[1, 'PW'], [3, [[4, [[1, [[1, 'creds']]], [2, 'password']]]]]]], [10, [[1, [[2, [[1, '/healthz'], [2, [[1, 0], [2, 8080]]]]]]], [4, 5]]]];
    const pod = decodeKubeProtobuf(envelope('v1', 'Pod', [meta('p'), [2, [[1, [[1, 'conf'], [2, [[19, [[1, [[1, 'app-config']]], [3, 420]]]]]]], [2, container]]]]));
    expect(pod.spec).toEqual({
      volumes: [{ name: 'conf', configMap: { name: 'app-config', defaultMode: 420 } }],
      containers: [{ name: 'c', image: 'img:1', env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }], livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 } }],
    });
  });

  it('names every protobuf field of the served kinds as its JSON property (inlined structs and renamed fields listed)', () => {
    const descriptors = raw as unknown as Record<string, { f: [number, string][]; map?: 1 }>;
    const definitions = defs as unknown as Record<string, { properties?: Record<string, unknown> }>;
    const unnamed: string[] = [];
    let checked = 0;
    for (const [m, d] of Object.entries(descriptors)) {
      const def = definitions[`io.k8s.${m.slice('k8s.io.'.length)}`];
      if (d.map || !def?.properties) continue;
      for (const [, field] of d.f) {
        checked++;
        const key = `${m}/${field}`;
        if (INLINE_FIELDS.has(key)) continue;
        if (!((JSON_NAMES.get(key) ?? field) in def.properties)) unnamed.push(key);
      }
    }
    expect(checked).toBeGreaterThan(1_000);
    expect(unnamed).toEqual([]);
  });

  it('decodes the review and token request kubectl auth and create token send', () => {
    expect(decodeKubeProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', [meta('sa'), [2, [[1, 'aud'], [4, 7200]]]]))).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'sa' },
      spec: { audiences: ['aud'], expirationSeconds: 7200 },
    });
  });

  it('refuses malformed input with a 400', () => {
    for (const bad of [Buffer.from('{"a":1}'), Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff]), envelope('v1', 'NoSuchKind', []), envelope('v1', 'ConfigMap', [[1, new Uint8Array([0x0a, 0x05, 0x61])]])]) {
      let err: unknown;
      try {
        decodeKubeProtobuf(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
    }
  });

  it('formats durations as Go does', () => {
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(1_500_000)).toBe('1.5ms');
    expect(goDuration(3_723_500_000_000)).toBe('1h2m3.5s');
  });

  describe('bounded work whatever the body holds', () => {
    const decodeError = (buf: Buffer): ApiError => {
      try {
        decodeKubeProtobuf(buf);
      } catch (e) {
        return e as ApiError;
      }
      throw new Error('decoded');
    };

    it('refuses a varint longer than 10 bytes at once (no number grows with the input)', () => {
      const long = new Uint8Array(400_000).fill(0x80);
      // Pod.spec.securityContext.supplementalGroups: a repeated int64, which may be packed.
      const e = decodeError(envelope('v1', 'Pod', [meta('p'), [2, [[14, [[4, long]]]]]]));
      expect(e.code).toBe(400);
      expect(e.message).toContain('longer than 10 bytes');
    });

    it('refuses a packed (length-delimited) value for a singular number, as gogo-protobuf does', () => {
      const packed = new Uint8Array(3_000_000).fill(1);
      const e = decodeError(envelope('authentication.k8s.io/v1', 'TokenRequest', [meta('sa'), [2, [[4, packed]]]]));
      expect(e.code).toBe(400);
      expect(e.message).toContain('wrong wireType = 2 for field expirationSeconds');
    });

    it('reads packed repeated numbers', () => {
      const d = decodeKubeProtobuf(envelope('v1', 'Pod', [meta('p'), [2, [[14, [[4, new Uint8Array([1, 2, 0x96, 0x01])]]]]]]));
      expect((d.spec as { securityContext: unknown }).securityContext).toEqual({ supplementalGroups: [1, 2, 150] });
    });

    it('reads 64-bit values exactly: a negative int64 is a 10-byte varint', () => {
      const d = decodeKubeProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', [meta('sa'), [2, [[4, -5n]]]]));
      expect(d.spec).toEqual({ expirationSeconds: -5 });
      const big = decodeKubeProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', [meta('sa'), [2, [[4, 2n ** 40n + 3n]]]]));
      expect(big.spec).toEqual({ expirationSeconds: 2 ** 40 + 3 });
    });

    it('appends repeated fields in place (100,000 audiences decode in linear time)', () => {
      // Copying the list once per element took minutes for this many (the test's own timeout ends it);
      // the figures are in `npm run bench` (bench/hostileRequests.ts).
      const auds: F[] = Array.from({ length: 100_000 }, (): F => [1, 'a']);
      const d = decodeKubeProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', [meta('sa'), [2, auds]]));
      expect((d.spec as { audiences: string[] }).audiences).toHaveLength(100_000);
    });

    it('keeps a map key "__proto__" as an own property, never as the prototype', () => {
      const cm = decodeKubeProtobuf(envelope('v1', 'ConfigMap', [meta('c'), [2, [[1, '__proto__'], [2, 'v']]]]));
      const data = cm.data as Record<string, unknown>;
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(Object.keys(data)).toEqual(['__proto__']);
    });

    it('refuses objects embedded in objects more than 16 deep', () => {
      // ControllerRevision.data (field 2) is a RawExtension whose raw bytes (field 1) may be another envelope.
      let inner: Buffer = envelope('v1', 'ConfigMap', [meta('c')]);
      for (let i = 0; i < 20; i++) inner = envelope('apps/v1', 'ControllerRevision', [meta('r'), [2, [[1, inner]]]]);
      const e = decodeError(inner);
      expect(e.code).toBe(400);
      expect(e.message).toContain('embedded more than 16 deep');
    });
  });
});
