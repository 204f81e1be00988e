import { constants as zc, createDeflate, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  adler32,
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameReader,
  FrameType,
  goAwayFrame,
  HeaderCompressor,
  HeaderDecompressor,
  parseControl,
  pingFrame,
  rstStreamFrame,
  SPDY_DICTIONARY,
  synReplyFrame,
  synStreamFrame,
  windowUpdateFrame,
  type Frame,
} from './spdy.js';

/** A zlib compressor as Go's spdy framer uses it: one stream, dictionary, a sync flush per header block. */
function goLikeCompressor() {
  const d = createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  return async (raw: Buffer) => {
    d.write(raw);
    await new Promise<void>((r) => d.flush(zc.Z_SYNC_FLUSH, () => r()));
    await new Promise((r) => setImmediate(r));
    return Buffer.concat(out.splice(0));
  };
}

describe('SPDY/3 dictionary', () => {
  it('is the spec dictionary: 1423 bytes whose adler32 (the zlib dictionary id) is 0xe3c6a7c2', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(adler32(SPDY_DICTIONARY)).toBe(0xe3c6a7c2);
    expect(SPDY_DICTIONARY.subarray(0, 11)).toEqual(Buffer.from([0, 0, 0, 7, ...Buffer.from('options')]));
    expect(SPDY_DICTIONARY.subarray(-7).toString()).toBe(',enq=0.');
  });
});

describe('frames', () => {
  it('reassembles frames cut at every byte boundary', () => {
    const bytes = Buffer.concat([dataFrame(1, Buffer.from('hello')), pingFrame(7), dataFrame(3, Buffer.alloc(0), true), rstStreamFrame(5, 5)]);
    const r = new FrameReader();
    const frames: Frame[] = [];
    for (const b of bytes) frames.push(...r.push(Buffer.from([b])));
    expect(frames).toHaveLength(4);
    expect(frames[0]).toEqual({ control: false, streamId: 1, flags: 0, data: Buffer.from('hello') });
    expect(frames[2]).toEqual({ control: false, streamId: 3, flags: FLAG_FIN, data: Buffer.alloc(0) });
    const ping = frames[1] as Extract<Frame, { control: true }>;
    expect(ping).toMatchObject({ control: true, version: 3, type: FrameType.PING, flags: 0 });
    expect(parseControl(ping)).toEqual({ type: 'ping', id: 7 });
    expect(parseControl(frames[3] as Extract<Frame, { control: true }>)).toEqual({ type: 'rst_stream', streamId: 5, status: 5 });
  });

  it('lays out the control frame header as the spec does', () => {
    const f = controlFrame(FrameType.SYN_REPLY, FLAG_FIN, Buffer.from([1, 2, 3]));
    expect([...f.subarray(0, 8)]).toEqual([0x80, 0x03, 0x00, 0x02, 0x01, 0x00, 0x00, 0x03]);
    expect([...dataFrame(0x01020304, Buffer.from([9]), true)]).toEqual([0x01, 0x02, 0x03, 0x04, 0x01, 0x00, 0x00, 0x01, 9]);
  });

  it('parses what it writes, for every control frame it uses', () => {
    const parse = (b: Buffer) => parseControl(new FrameReader().push(b)[0] as Extract<Frame, { control: true }>);
    expect(parse(synStreamFrame(9, Buffer.from('hb'), 0, 3, 5))).toEqual({ type: 'syn_stream', streamId: 9, associatedTo: 3, priority: 5, headerBlock: Buffer.from('hb') });
    expect(parse(synReplyFrame(9, Buffer.from('x')))).toEqual({ type: 'syn_reply', streamId: 9, headerBlock: Buffer.from('x') });
    expect(parse(goAwayFrame(11, 1))).toEqual({ type: 'goaway', lastGoodStreamId: 11, status: 1 });
    expect(parse(windowUpdateFrame(3, 65536))).toEqual({ type: 'window_update', streamId: 3, delta: 65536 });
    const settings = Buffer.alloc(12);
    settings.writeUInt32BE(1, 0);
    settings.writeUInt32BE((0x01 << 24) | 7, 4);
    settings.writeUInt32BE(65536, 8);
    expect(parse(controlFrame(FrameType.SETTINGS, 0, settings))).toEqual({ type: 'settings', entries: [{ flags: 1, id: 7, value: 65536 }] });
    expect(() => parse(controlFrame(FrameType.RST_STREAM, 0, Buffer.alloc(3)))).toThrow(/too short/);
  });
});

describe('header blocks', () => {
  it('encodes name/value pairs with NUL-joined multiple values, lowercasing names', () => {
    const raw = encodeHeaderBlock({ StreamType: 'data', port: '80', multi: ['a', 'b'] });
    expect(raw.readUInt32BE(0)).toBe(3);
    const h = decodeHeaderBlock(raw);
    expect(h.get('streamtype')).toEqual(['data']);
    expect(h.get('multi')).toEqual(['a', 'b']);
    expect(() => decodeHeaderBlock(raw.subarray(0, raw.length - 1))).toThrow(/truncated/);
  });

  it('compresses into one zlib stream that a real inflater (with the dictionary) reads block by block', () => {
    const c = new HeaderCompressor();
    const b1 = c.compress(encodeHeaderBlock({}));
    const b2 = c.compress(encodeHeaderBlock({ streamtype: 'error', port: '8080' }));
    const b3 = c.compress(Buffer.alloc(70_000, 1)); // spans two stored blocks
    expect(b1.subarray(0, 2)).toEqual(Buffer.from([0x78, 0xf9]));
    expect(b1.readUInt32BE(2)).toBe(0xe3c6a7c2);
    // Every block ends with the sync-flush marker (an empty stored block): Go's flate reader only
    // returns a block's data without reading further when such a boundary follows it.
    for (const b of [b1, b2, b3]) expect(b.subarray(-5)).toEqual(Buffer.from([0, 0, 0, 0xff, 0xff]));
    const all = inflateSync(Buffer.concat([b1, b2, b3]), { dictionary: SPDY_DICTIONARY, finishFlush: zc.Z_SYNC_FLUSH });
    expect(all).toEqual(Buffer.concat([encodeHeaderBlock({}), encodeHeaderBlock({ streamtype: 'error', port: '8080' }), Buffer.alloc(70_000, 1)]));
  });

  it('decompresses the header blocks of a peer that compresses as Go spdy does (shared context, sync flush)', async () => {
    const compress = goLikeCompressor();
    const d = new HeaderDecompressor();
    const blocks = [
      { streamtype: 'error', port: '80', requestid: '0' },
      { streamtype: 'data', port: '80', requestid: '0' },
      { streamtype: 'error', port: '80', requestid: '1' },
    ];
    for (const h of blocks) {
      const wire = await compress(encodeHeaderBlock(h));
      expect(Object.fromEntries([...decodeHeaderBlock(await d.decompress(wire))].map(([k, v]) => [k, v[0]]))).toEqual(h);
    }
    // Later blocks reuse earlier ones: they only inflate in the same context.
    await expect(new HeaderDecompressor().decompress(await compress(encodeHeaderBlock(blocks[0] as Record<string, string>)))).rejects.toThrow();
    d.close();
  });
});
