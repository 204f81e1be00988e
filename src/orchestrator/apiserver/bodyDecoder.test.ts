import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { BodyDecoder, OFFLOAD_BYTES } from './bodyDecoder.js';
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

  it('refuses bodies once disposed', async () => {
    const d = new BodyDecoder(1);
    d.dispose();
    expect((await refusal(d.decode('json', big('{}')))).code).toBe(503);
  });
});
