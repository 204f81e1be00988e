import { describe, expect, it } from 'vitest';
import { Channel, frame, parseExit, parseFrame, terminalUrl, TerminalSession, type SocketLike, type SessionState } from './channel.js';

class FakeSocket implements SocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  sent: Uint8Array[] = [];
  closed?: number;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  send(d: string | ArrayBufferLike | Blob | ArrayBufferView) {
    this.sent.push(d as Uint8Array);
  }
  close(code?: number) {
    this.closed = code;
  }
  open() {
    this.readyState = 1;
    this.onopen?.call(this as never, {} as Event);
  }
  receive(channel: number, text: string) {
    this.onmessage?.call(this as never, { data: frame(channel, text).slice().buffer } as MessageEvent);
  }
  end(code: number, reason = '') {
    this.onclose?.call(this as never, { code, reason } as CloseEvent);
  }
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('channel protocol', () => {
  it('frames and parses channel messages', () => {
    expect([...frame(Channel.stdin, 'ls\r')]).toEqual([0, 108, 115, 13]);
    const m = parseFrame(frame(Channel.stdout, 'hi'));
    expect(m?.channel).toBe(1);
    expect(text(m?.data ?? new Uint8Array())).toBe('hi');
    expect(parseFrame(new Uint8Array())).toBeUndefined();
  });

  it('reads exit codes from the final Status', () => {
    const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    expect(parseExit(enc({ status: 'Success' }))).toEqual({ exitCode: 0, message: 'exited' });
    expect(parseExit(enc({ status: 'Failure', message: 'x', details: { causes: [{ reason: 'ExitCode', message: '130' }] } }))).toEqual({ exitCode: 130, message: 'exited with code 130' });
    expect(parseExit(enc({ status: 'Failure', message: 'container not found' }))).toEqual({ exitCode: undefined, message: 'container not found' });
  });

  it('builds exec and host shell URLs on the same origin', () => {
    expect(terminalUrl('http://127.0.0.1:6480', { kind: 'pod', namespace: 'default', pod: 'web-1', container: 'web' })).toBe(
      'ws://127.0.0.1:6480/k8s/api/v1/namespaces/default/pods/web-1/exec?container=web&command=%2Fbin%2Fsh&command=-c&command=command+-v+bash+%3E%2Fdev%2Fnull+2%3E%261+%26%26+exec+bash+%7C%7C+exec+sh&stdin=true&stdout=true&tty=true',
    );
    expect(terminalUrl('https://x', { kind: 'host', host: 'h 1' }, { cols: 100, rows: 30 })).toBe('wss://x/k8s/apis/skiff.dev/v1alpha1/hosts/h%201/shell?cols=100&rows=30');
  });

  it('relays output, input and resizes; sends the size once open; ends on the Status', () => {
    const ws = new FakeSocket();
    const out: string[] = [];
    const states: [SessionState, string | undefined][] = [];
    const s = new TerminalSession(ws, { output: (d) => out.push(text(d)), state: (st, d) => states.push([st, d]) });
    expect(ws.binaryType).toBe('arraybuffer');
    s.resize(80, 24);
    s.input('ignored before open');
    expect(ws.sent).toEqual([]);
    ws.open();
    expect(ws.sent.map((b) => [b[0], text(b.subarray(1))])).toEqual([[4, '{"Width":80,"Height":24}']]);
    s.input('echo hi\r');
    s.resize(80, 24); // unchanged: not sent again
    s.resize(100, 30);
    ws.receive(Channel.stdout, 'hi\r\n');
    ws.receive(Channel.stderr, 'warn');
    ws.receive(Channel.error, '{"status":"Success"}');
    ws.end(1000);
    expect(ws.sent.slice(1).map((b) => [b[0], text(b.subarray(1))])).toEqual([
      [0, 'echo hi\r'],
      [4, '{"Width":100,"Height":30}'],
    ]);
    expect(out).toEqual(['hi\r\n', 'warn']);
    expect(states).toEqual([['connecting', undefined], ['open', undefined], ['exited', 'exited']]);
  });

  it('a close without a Status is a failure with the reason', () => {
    const ws = new FakeSocket();
    const states: string[] = [];
    new TerminalSession(ws, { output: () => undefined, state: (st, d) => states.push(`${st}:${d ?? ''}`) });
    ws.end(1006);
    expect(states).toEqual(['connecting:', 'failed:the connection was refused or dropped']);
  });
});
