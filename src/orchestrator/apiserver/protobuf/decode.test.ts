import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { decodeKubeProtobuf, goDuration, isKubeProtobuf } from './decode.js';

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
      out.push(...bytes);
    }
  }
  return Uint8Array.from(out);
}
const envelope = (apiVersion: string, kind: string, raw: F[]) => Buffer.from([0x6b, 0x38, 0x73, 0x00, ...enc([[1, [[1, apiVersion], [2, kind]]], [2, enc(raw)]])]);

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
});
