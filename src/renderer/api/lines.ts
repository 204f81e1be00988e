/**
 * Splits a stream of text chunks into complete lines. Chunks may cut a line (or a multi-byte
 * character, handled by the caller's TextDecoder with `stream: true`) anywhere; a partial line is
 * held until its newline arrives or `flush` is called at the end of the stream.
 */
export class LineSplitter {
  private partial = '';

  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.map(stripCR);
  }

  flush(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : [stripCR(rest)];
  }
}

function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Reads a byte stream as text lines, calling `onLines` once per chunk that completed any. */
export async function readLines(body: ReadableStream<Uint8Array>, onLines: (lines: string[]) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const splitter = new LineSplitter();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const lines = splitter.push(decoder.decode(value, { stream: true }));
      if (lines.length > 0) onLines(lines);
    }
    const rest = splitter.push(decoder.decode());
    const last = [...rest, ...splitter.flush()];
    if (last.length > 0) onLines(last);
  } catch (e) {
    // The consumer gave up (or the read failed): close the connection rather than leave it open.
    await reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
  }
}
