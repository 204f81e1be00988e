import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { FakeClock } from '../util/clock.js';
import { MAX_DEPTH } from './bodyShape.js';
import { MAX_BODY, parseBody, readBody } from './http.js';

function request(headers: Record<string, string> = {}): PassThrough & { headers: Record<string, string> } {
  return Object.assign(new PassThrough(), { headers });
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('accepted');
}

const deepJson = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepYaml = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n';

describe('readBody', () => {
  it('reads a body; refuses more than the limit (declared or sent) with 413', async () => {
    const ok = request();
    const p = readBody(ok as unknown as IncomingMessage);
    ok.end('{"a":1}');
    expect((await p).toString()).toBe('{"a":1}');

    const declared = request({ 'content-length': String(MAX_BODY + 1) });
    expect((await refusal(readBody(declared as unknown as IncomingMessage))).code).toBe(413);

    const sent = request();
    const q = readBody(sent as unknown as IncomingMessage, 10);
    sent.write('0123456789abc');
    expect((await refusal(q)).code).toBe(413);
    // The rest is read and thrown away (the client can finish writing and read the answer).
    sent.write('more');
    sent.end();
    await new Promise((r) => sent.once('end', r));
  });

  it('answers a body that does not arrive in time (short of its length, or trickling) with 504 Timeout', async () => {
    const clock = new FakeClock();
    const slow = request({ 'content-length': '100' });
    const p = refusal(readBody(slow as unknown as IncomingMessage, MAX_BODY, clock, 60_000));
    slow.write('{"a":');
    await clock.advance(59_000);
    slow.write('1');
    await clock.advance(1_000);
    const e = await p;
    expect(e.code).toBe(504);
    expect(e.reason).toBe('Timeout');
    expect(e.message).toBe('Timeout: request did not complete within requested timeout - context deadline exceeded');
  });

  it('a client that goes away mid-body is a 400, not an internal error', async () => {
    const gone = request({ 'content-length': '100' });
    const p = readBody(gone as unknown as IncomingMessage);
    gone.write('{');
    gone.destroy(new Error('ECONNRESET'));
    expect((await refusal(p)).code).toBe(400);
  });
});

describe('parseBody', () => {
  const json = (s: string, ct = 'application/json') => parseBody(Buffer.from(s), ct);

  it(`accepts nesting up to ${MAX_DEPTH} levels and refuses deeper, as JSON, YAML and JSON-in-YAML`, async () => {
    expect(await json(deepJson(MAX_DEPTH))).toBeDefined();
    const e = await refusal(json(deepJson(MAX_DEPTH + 1)));
    expect(e.code).toBe(400);
    expect(e.message).toBe(`couldn't get version/kind; json parse error: exceeded max depth of ${MAX_DEPTH}`);
    expect((await refusal(json(deepJson(500_000)))).code).toBe(400);
    expect((await refusal(json(deepJson(MAX_DEPTH + 1), 'application/yaml'))).code).toBe(400);
    expect(await json(deepYaml(MAX_DEPTH - 1), 'application/yaml')).toBeDefined();
    const y = await refusal(json(deepYaml(MAX_DEPTH + 5), 'application/yaml'));
    expect(y.message).toBe(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_DEPTH}`);
    // Flow collections nest without indentation: the depth is measured before anything recurses.
    const flow = await refusal(json(`a: ${'['.repeat(5_000)}`, 'application/yaml'));
    expect(flow.message).toContain('exceeded max depth');
  });

  it('refuses a "__proto__" key anywhere', async () => {
    expect((await refusal(json('{"metadata":{"labels":{"__proto__":{"x":"y"}}}}'))).message).toContain('"__proto__" is not accepted');
    expect((await refusal(json('metadata:\n  __proto__: {x: y}\n', 'application/yaml'))).code).toBe(400);
  });

  it('decodes YAML as sigs.k8s.io/yaml does: !!binary as its text, aliases bounded, one document, scalar keys', async () => {
    expect(await json('data:\n  a: !!binary aGVsbG8=\n', 'application/yaml')).toEqual({ data: { a: 'hello' } });
    expect((await refusal(json('data:\n  a: !!binary //79\n', 'application/yaml'))).message).toContain('not valid UTF-8');
    expect(await json('a: &x [1, 2]\nb: *x\n', 'application/yaml')).toEqual({ a: [1, 2], b: [1, 2] });
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 0; i < 9; i++) laughs.push(`${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`);
    const bomb = await refusal(json(laughs.join('\n'), 'application/yaml'));
    expect(bomb.code).toBe(400);
    expect(bomb.message).toMatch(/^error converting YAML to JSON: /);
    expect((await refusal(json('a: 1\n---\nb: 2\n', 'application/yaml'))).code).toBe(400);
    expect((await refusal(json('? [a, b]\n: c\n', 'application/yaml'))).message).toContain('unsupported map key');
    expect((await refusal(json('a: [unclosed\n', 'application/yaml'))).message).toMatch(/^error converting YAML to JSON: yaml: /);
  });

  it('decodes JSON sent as YAML as JSON (what kubectl sends for server-side apply)', async () => {
    expect(await json('{"kind":"ConfigMap","data":{"on":"yes"}}', 'application/apply-patch+yaml')).toEqual({ kind: 'ConfigMap', data: { on: 'yes' } });
  });

  it('a long flat YAML document decodes off the event loop (the YAML library is quadratic on duplicate-key checks)', async () => {
    const lines = ['kind: ConfigMap', 'data:'];
    for (let i = 0; i < 20_000; i++) lines.push(`  k${i}: v${i}`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const v = (await json(lines.join('\n'), 'application/yaml')) as { data: Record<string, string> };
    clearInterval(timer);
    expect(Object.keys(v.data)).toHaveLength(20_000);
    // The event loop kept turning while the worker parsed.
    expect(ticks).toBeGreaterThan(0);
  });
});
