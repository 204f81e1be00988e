import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { BodyDecoder, OFFLOAD_BYTES, PROTOBUF_OFFLOAD_BYTES } from './bodyDecoder.js';
import type { BodyKind } from './bodyDecode.js';

const decoder = new BodyDecoder(2);
afterAll(() => decoder.dispose());

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('accepted');
}

/** A body padded with trailing spaces past the worker threshold: the same value, decoded on a worker. */
const big = (text: string) => Buffer.from(text + ' '.repeat(OFFLOAD_BYTES));

describe('BodyDecoder: big bodies on a worker, answered as small ones are inline', () => {
  it.each<[BodyKind, string]>([
    ['json', '{"a":{"b":[1,2,{"c":null}]},"d":"é"}'],
    ['yaml', '{"a":1}'],
    ['yaml', 'a: 1\nb: [x, "y"]\nc: 2024-01-02\n'],
    ['jsonOrYaml', 'a: {b: c}\n'],
  ])('%s %j', async (kind, text) => {
    const inline = await decoder.decode(kind, Buffer.from(text));
    expect(await decoder.decode(kind, big(text))).toEqual(inline);
  });

  it.each<[BodyKind, string, string]>([
    ['json', '{"__proto__":{"x":1}}', 'the key "__proto__" is not accepted'],
    ['json', `{"a":${'['.repeat(1001)}${']'.repeat(1001)}}`, 'exceeded max depth of 1000'],
    ['json', '{"a":', "couldn't get version/kind; json parse error: "],
    ['yaml', 'a: [\n', 'error converting YAML to JSON: yaml: '],
    ['yaml', 'a: 1\n---\nb: 2\n', 'the body holds 2 documents'],
  ])('refuses %s %j with the same 400 on both paths', async (kind, text, message) => {
    const small = await refusal(decoder.decode(kind, Buffer.from(text)));
    const offloaded = await refusal(decoder.decode(kind, big(text)));
    expect(small.code).toBe(400);
    expect(small.message).toContain(message);
    expect(offloaded.code).toBe(400);
    expect(offloaded.message).toBe(small.message);
  });

  it('decodes many big bodies at once, each to its own value', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => JSON.stringify({ i, data: Object.fromEntries(Array.from({ length: 5000 }, (_, k) => [`k${k}`, `${i}`])) }));
    const values = (await Promise.all(bodies.map((b) => decoder.decode('json', Buffer.from(b))))) as { i: number; data: Record<string, string> }[];
    values.forEach((v, i) => {
      expect(v.i).toBe(i);
      expect(Object.keys(v.data)).toHaveLength(5000);
    });
  });

  it('decodes a big protobuf body on a worker to what the inline decoder makes', async () => {
    // ConfigMap{metadata{name: "pb"}, data: 2,000 entries}, in Kubernetes' envelope.
    const field = (no: number, bytes: Uint8Array): Buffer => Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
    const str = (no: number, s: string) => field(no, Buffer.from(s));
    const entries = Array.from({ length: 2000 }, (_, i) => field(2, Buffer.concat([str(1, `k${i}`), str(2, 'v')])));
    const raw = Buffer.concat([field(1, str(1, 'pb')), ...entries]);
    const unknown = Buffer.concat([field(1, Buffer.concat([str(1, 'v1'), str(2, 'ConfigMap')])), field(2, raw)]);
    const body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
    expect(body.length).toBeGreaterThanOrEqual(PROTOBUF_OFFLOAD_BYTES);
    const v = (await decoder.decode('protobuf', body)) as { kind: string; metadata: { name: string }; data: Record<string, string> };
    expect(v.kind).toBe('ConfigMap');
    expect(v.metadata.name).toBe('pb');
    expect(Object.keys(v.data)).toHaveLength(2000);
    expect(v.data.k1999).toBe('v');
  });

  it('refuses bodies once disposed', async () => {
    const d = new BodyDecoder(1);
    d.dispose();
    expect((await refusal(d.decode('json', big('{}')))).code).toBe(503);
  });
});

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
