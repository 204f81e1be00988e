import type { Random } from './random.js';

/** A protobuf field for the encoder below: a varint, or bytes (a string, raw bytes or a nested message). */
type F = [number, number | bigint] | [number, string | Uint8Array | F[]];

function varint(out: number[], v: bigint): void {
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
}

/** Encodes fields (wire types 0 and 2 only: all a Kubernetes object needs). */
export function encode(fields: F[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [no, v] of fields) {
    const head: number[] = [];
    if (typeof v === 'number' || typeof v === 'bigint') {
      varint(head, BigInt(no << 3));
      varint(head, BigInt(v));
      parts.push(Uint8Array.from(head));
    } else {
      const bytes = typeof v === 'string' ? Buffer.from(v) : v instanceof Uint8Array ? v : encode(v);
      varint(head, BigInt((no << 3) | 2));
      varint(head, BigInt(bytes.length));
      parts.push(Uint8Array.from(head), bytes);
    }
  }
  return Buffer.concat(parts);
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** `k8s\0` + runtime.Unknown{typeMeta, raw}, as kubectl's typed clients send. */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  return Buffer.concat([MAGIC, encode([[1, [[1, apiVersion], [2, kind]]], [2, raw]])]);
}

function randomBytes(r: Random, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

/**
 * A protobuf body a hostile or broken client might send: random bytes behind the magic, a valid
 * envelope around garbage, varints that never end, lengths past the end, objects embedded in
 * objects, or a well-formed ConfigMap or TokenRequest with hostile values.
 */
export function hostileProtobuf(r: Random): { body: Buffer; what: string } {
  const what = r.pick(['random', 'garbage-in-envelope', 'endless-varint', 'long-length', 'nested-envelopes', 'configmap', 'tokenrequest', 'packed', 'no-magic', 'unknown-kind']);
  const meta = (name: string): [number, F[]] => [1, [[1, name], [3, 'fuzz']]];
  switch (what) {
    case 'random':
      return { what, body: Buffer.concat([MAGIC, randomBytes(r, r.pick([1, 10, 1000, 100_000]))]) };
    case 'garbage-in-envelope':
      return { what, body: envelope('v1', 'ConfigMap', randomBytes(r, r.pick([5, 500, 50_000]))) };
    case 'endless-varint':
      return { what, body: envelope('authentication.k8s.io/v1', 'TokenRequest', encode([meta('sa'), [2, [[4, new Uint8Array(r.pick([11, 1000, 400_000])).fill(0x80)]]]])) };
    case 'long-length':
      return { what, body: Buffer.concat([MAGIC, Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])]) };
    case 'nested-envelopes': {
      let inner: Uint8Array = envelope('v1', 'ConfigMap', encode([meta('c')]));
      const depth = r.pick([3, 17, 200]);
      for (let i = 0; i < depth; i++) inner = envelope('apps/v1', 'ControllerRevision', encode([meta('r'), [2, [[1, inner]]]]));
      return { what, body: Buffer.from(inner) };
    }
    case 'configmap': {
      // Many entries or long values, within about 3 MB either way.
      const n = r.pick([1, 1000, 50_000]);
      const long = n <= 1000 && r.chance(0.5) ? 'x'.repeat(1000) : 'v';
      const entries: [number, F[]][] = Array.from({ length: n }, (_, i) => [2, [[1, r.pick([`k${i}`, '__proto__', '', 'a/b'])], [2, r.pick([long, '\u0000'])]]]);
      return { what, body: envelope('v1', 'ConfigMap', encode([meta(r.pick(['c', 'Bad_Name', '', 'x'.repeat(300)])), ...entries])) };
    }
    case 'tokenrequest':
      return { what, body: envelope('authentication.k8s.io/v1', 'TokenRequest', encode([meta('sa'), [2, [[1, 'aud'], [4, r.pick([-1n, 0n, 2n ** 63n - 1n, 1n << 62n, 599n])]]]])) };
    case 'packed':
      // A length-delimited payload where a number belongs: read as packed varints.
      return { what, body: envelope('authentication.k8s.io/v1', 'TokenRequest', encode([meta('sa'), [2, [[4, randomBytes(r, 100_000)]]]])) };
    case 'no-magic':
      return { what, body: Buffer.from(randomBytes(r, 64)) };
    default:
      return { what, body: envelope('v1', 'NoSuchKind', encode([meta('x')])) };
  }
}
