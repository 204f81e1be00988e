import { describe, expect, it } from 'vitest';
import { resourceType } from '../../orchestrator/api/resources.js';
import type { KubeObject, WatchEvent } from '../../orchestrator/api/types.js';
import { KubeApi, type FetchFn } from './client.js';
import { ResourceWatch, type Sleeper, type WatchState } from './watch.js';

const pod = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: rv } });
const line = (e: unknown) => JSON.stringify(e) + '\n';

/** A scripted server: each request takes the next answer for its kind (list or watch). */
function scripted(answers: { list: (() => Response)[]; watch: (() => Response)[] }) {
  const urls: string[] = [];
  const fetchFn: FetchFn = async (url) => {
    urls.push(url);
    const next = (url.includes('watch=true') ? answers.watch : answers.list).shift();
    if (!next) return new Promise<Response>(() => undefined); // hang: the test is done
    return next();
  };
  return { fetchFn, urls };
}

function collect() {
  const log: string[] = [];
  const sink = {
    reset: (items: KubeObject[]) => log.push(`reset ${items.map((i) => i.metadata.name).join(',')}`),
    event: (e: WatchEvent) => log.push(`${e.type} ${e.object.metadata.name}`),
    state: (s: WatchState) => log.push(`state ${s}`),
  };
  return { log, sink };
}

const noSleep: Sleeper = { sleep: async () => undefined };
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
};

describe('ResourceWatch', () => {
  it('lists, watches from the list version, resumes from the last event after the stream ends, relists on 410', async () => {
    const list = (items: KubeObject[], rv: string) => () => new Response(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: rv }, items }));
    const { fetchFn, urls } = scripted({
      list: [list([pod('a', '3')], '5'), list([pod('a', '3'), pod('c', '20')], '21'), () => new Response('nope', { status: 503 }), list([], '30')],
      watch: [
        () => new Response(line({ type: 'ADDED', object: pod('b', '6') }) + line({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '9' } } })),
        () => new Response(line({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old' } })),
        () => new Response(line({ type: 'DELETED', object: pod('a', '22') }) + '{"broken'),
      ],
    });
    const { log, sink } = collect();
    const w = new ResourceWatch(new KubeApi(fetchFn), resourceType('pods'), sink, { sleeper: noSleep, now: () => 0 });
    await until(() => urls.length >= 8);
    w.dispose();
    expect(urls).toEqual([
      '/k8s/api/v1/pods',
      '/k8s/api/v1/pods?watch=true&resourceVersion=5&allowWatchBookmarks=true',
      '/k8s/api/v1/pods?watch=true&resourceVersion=9&allowWatchBookmarks=true',
      '/k8s/api/v1/pods',
      '/k8s/api/v1/pods?watch=true&resourceVersion=21&allowWatchBookmarks=true',
      '/k8s/api/v1/pods',
      '/k8s/api/v1/pods',
      '/k8s/api/v1/pods?watch=true&resourceVersion=30&allowWatchBookmarks=true',
    ]);
    expect(log).toEqual([
      'state connecting',
      'reset a',
      'state live',
      'ADDED b',
      'state live',
      'reset a,c',
      'state live',
      'DELETED a',
      'state retrying',
      'state retrying',
      'reset ',
    ]);
  });

  it('backs off exponentially while the server is down, capped', async () => {
    const waits: number[] = [];
    const sleeper: Sleeper = { sleep: async (ms) => void waits.push(ms) };
    const down = () => new Response('down', { status: 502 });
    const { fetchFn } = scripted({ list: Array.from({ length: 7 }, () => down), watch: [] });
    const w = new ResourceWatch(new KubeApi(fetchFn), resourceType('nodes'), collect().sink, { sleeper, minBackoffMs: 100, maxBackoffMs: 1000 });
    await until(() => waits.length >= 7);
    w.dispose();
    expect(waits.slice(0, 7)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });
});
