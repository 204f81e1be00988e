import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerStreamSplitter } from './dockerExec.js';

function frame(type: number, text: string): Buffer {
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([head, Buffer.from(text)]);
}

async function split(chunks: Buffer[], withStderr = true): Promise<{ out: string; err: string }> {
  const out = new PassThrough();
  const err = withStderr ? new PassThrough() : undefined;
  const s = new DockerStreamSplitter(out, err);
  let o = '';
  let e = '';
  out.on('data', (c: Buffer) => (o += c.toString()));
  err?.on('data', (c: Buffer) => (e += c.toString()));
  for (const c of chunks) s.write(c);
  s.end();
  s.resume();
  await new Promise((r) => out.on('end', r));
  return { out: o, err: e };
}

describe('DockerStreamSplitter', () => {
  it('separates stdout and stderr frames cut at any byte', async () => {
    const bytes = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, ''), frame(1, 'out 2\n')]);
    expect(await split([...bytes].map((b) => Buffer.from([b])))).toEqual({ out: 'out 1\nout 2\n', err: 'err 1\n' });
    expect(await split([bytes.subarray(0, 9), bytes.subarray(9)])).toEqual({ out: 'out 1\nout 2\n', err: 'err 1\n' });
  });

  it("passes the engine's plain-text error (an exec that could not start) through to stderr", async () => {
    const msg = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown\r\n';
    expect(await split([Buffer.from(msg)])).toEqual({ out: '', err: msg });
    expect(await split([Buffer.from(msg)], false)).toEqual({ out: msg, err: '' });
  });
});
