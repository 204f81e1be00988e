import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerLogDemuxer, dockerFrame } from './logStream.js';

async function demux(chunks: Buffer[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(new DockerLogDemuxer())) out.push(c as Buffer);
  return Buffer.concat(out).toString();
}

describe('DockerLogDemuxer', () => {
  const stream = Buffer.concat([dockerFrame(1, 'out one\n'), dockerFrame(2, 'err one\n'), dockerFrame(1, ''), dockerFrame(1, 'out two\n')]);

  it('strips frame headers and merges stdout and stderr in order', async () => {
    expect(await demux([stream])).toBe('out one\nerr one\nout two\n');
  });

  it.each([1, 3, 7, 8, 9, 13])('reassembles frames split every %i bytes', async (size) => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
    expect(await demux(chunks)).toBe('out one\nerr one\nout two\n');
  });

  it('keeps binary payloads intact', async () => {
    const payload = Buffer.from([0, 1, 2, 255, 10]);
    const out: Buffer[] = [];
    for await (const c of Readable.from([dockerFrame(1, payload)]).pipe(new DockerLogDemuxer())) out.push(c as Buffer);
    expect(Buffer.concat(out)).toEqual(payload);
  });
});
