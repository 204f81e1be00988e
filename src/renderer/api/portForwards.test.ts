import { describe, expect, it } from 'vitest';
import type { FetchFn } from './client.js';
import { describeForward, listForwards, startForward, stopForward, type ForwardInfo } from './portForwards.js';

const info: ForwardInfo = { id: 'ab12', kind: 'service', namespace: 'default', name: 'web', port: 8080, localPort: 8080, url: 'http://127.0.0.1:8080', state: 'listening', pod: 'web-1', connections: 0, served: 3 };

describe('port-forward client', () => {
  it('lists (dropping malformed entries), starts and stops through the UI server', async () => {
    const calls: string[] = [];
    const fetchFn: FetchFn = async (url, init) => {
      calls.push(`${init?.method} ${url} ${init?.body ?? ''}`);
      if (init?.method === 'GET') return new Response(JSON.stringify({ items: [info, { id: 'x' }] }));
      if (init?.method === 'POST') return new Response(JSON.stringify(info), { status: 201 });
      return new Response('{"kind":"Status","status":"Success"}');
    };
    expect(await listForwards(fetchFn)).toEqual([info]);
    expect(await startForward({ kind: 'service', namespace: 'default', name: 'web', port: 8080 }, fetchFn)).toEqual(info);
    await stopForward('ab12', fetchFn);
    expect(calls).toEqual([
      'GET /skiff/portforwards ',
      'POST /skiff/portforwards {"kind":"service","namespace":"default","name":"web","port":8080}',
      'DELETE /skiff/portforwards/ab12 ',
    ]);
  });

  it("fails with the server's message", async () => {
    const fetchFn: FetchFn = async () => new Response(JSON.stringify({ kind: 'Status', status: 'Failure', code: 400, message: 'cannot forward pod default/x port 80: pod x not found' }), { status: 400 });
    await expect(startForward({ kind: 'pod', namespace: 'default', name: 'x', port: 80 }, fetchFn)).rejects.toThrow('pod x not found');
  });

  it('describes where a forward goes', () => {
    expect(describeForward(info)).toBe('svc/web:8080 via web-1');
    expect(describeForward({ ...info, kind: 'pod', name: 'web-1', port: 80 })).toBe('pod/web-1:80');
    expect(describeForward({ ...info, kind: 'pod', name: 'web-0', port: 80 })).toBe('pod/web-0:80 (now web-1)');
  });
});
