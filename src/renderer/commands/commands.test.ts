import { describe, expect, it } from 'vitest';
import { KubeApi, type FetchFn } from '../api/client.js';
import { createAppStore } from '../store/appStore.js';
import { WATCHED_KINDS } from '../store/kinds.js';
import { node, pod } from '../testing/fixtures.js';
import { applyFiles } from './deployFromFile.js';
import { COMMANDS, cordonNode, deletePod, removeHostCommand, uncordonNode } from './index.js';
import { runCommand } from './runCommand.js';
import type { CommandContext } from './types.js';

function setup(answer: (url: string, init?: RequestInit) => Response = () => new Response('{"kind":"Node","apiVersion":"v1","metadata":{}}')) {
  const calls: { url: string; method?: string; type?: string; body?: string }[] = [];
  const fetchFn: FetchFn = async (url, init) => {
    calls.push({ url, method: init?.method, type: (init?.headers as Record<string, string>)['Content-Type'], body: init?.body as string | undefined });
    return answer(url, init);
  };
  const store = createAppStore();
  let picked = 0;
  const ctx: CommandContext = { store, api: new KubeApi(fetchFn), openFilePicker: () => void picked++ };
  const cordoned = node('n2', 'True', { spec: { unschedulable: true } });
  store.getState().applyOps([
    { kind: 'nodes', type: 'reset', items: [node('n1'), cordoned] },
    { kind: 'pods', type: 'reset', items: [pod('p', { nodeName: 'n1' }), pod('gone', { deleting: true })] },
  ]);
  return { ctx, calls, store, picks: () => picked };
}

describe('commands', () => {
  it('have unique ids and labels', () => {
    expect(new Set(COMMANDS.map((c) => c.id)).size).toBe(COMMANDS.length);
    expect(COMMANDS.every((c) => c.label.length > 0)).toBe(true);
  });

  it('cordon and uncordon follow the selected node and merge-patch spec.unschedulable', async () => {
    const { ctx, calls, store } = setup();
    expect(cordonNode.enabled(ctx)).toBe(false);
    store.getState().select({ type: 'node', name: 'n1' });
    expect([cordonNode.enabled(ctx), uncordonNode.enabled(ctx)]).toEqual([true, false]);
    await runCommand(cordonNode, ctx);
    store.getState().select({ type: 'node', name: 'n2' });
    expect([cordonNode.enabled(ctx), uncordonNode.enabled(ctx)]).toEqual([false, true]);
    await runCommand(uncordonNode, ctx);
    expect(calls.map((c) => [c.method, c.url, c.type, c.body])).toEqual([
      ['PATCH', '/k8s/api/v1/nodes/n1', 'application/merge-patch+json', '{"spec":{"unschedulable":true}}'],
      ['PATCH', '/k8s/api/v1/nodes/n2', 'application/merge-patch+json', '{"spec":{"unschedulable":null}}'],
    ]);
  });

  it('delete pod is off for a terminating pod, and asks first: it opens the confirmation, naming the pod', async () => {
    const { ctx, calls, store } = setup();
    store.getState().select({ type: 'pod', key: 'default/gone' });
    expect(deletePod.enabled(ctx)).toBe(false);
    store.getState().select({ type: 'pod', key: 'default/p' });
    expect(await runCommand(deletePod, ctx)).toBe(true);
    expect(calls).toEqual([]);
    expect(store.getState().resourceDialog).toEqual({ type: 'delete', ref: { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, namespace: 'default', name: 'p' } });
  });

  it('a failing command becomes the notice with the server message', async () => {
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 403, reason: 'Forbidden', message: 'nodes "n1" is forbidden' };
    const { ctx, store } = setup(() => new Response(JSON.stringify(status), { status: 403 }));
    store.getState().select({ type: 'node', name: 'n1' });
    expect(await runCommand(cordonNode, ctx)).toBe(false);
    expect(store.getState().notice).toEqual({ kind: 'error', text: 'Cordon node: nodes "n1" is forbidden' });
  });

  it('remove host needs a selected host', () => {
    const { ctx, store } = setup();
    expect(removeHostCommand.enabled(ctx)).toBe(false);
    store.getState().applyOps([{ kind: 'hosts', type: 'reset', items: [{ apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'h1' }, spec: { address: '10.0.0.2' } }] }]);
    store.getState().select({ type: 'host', name: 'h1' });
    expect(removeHostCommand.enabled(ctx)).toBe(true);
  });

  it('deploy from file opens the picker; applied files fill the result list in order', async () => {
    const { ctx, store, picks } = setup((_url, init) => (init?.method === 'GET' ? new Response('{"kind":"Status","code":404}', { status: 404 }) : new Response(String(init?.body), { status: 201 })));
    await runCommand(COMMANDS.find((c) => c.id === 'deploy-from-file')!, ctx);
    expect(picks()).toBe(1);
    const file = new File(['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: nope\n'], 'a.yaml');
    await applyFiles(ctx, [file]);
    expect(store.getState().drop).toMatchObject({ files: ['a.yaml'], total: 2, running: false });
    expect(store.getState().drop?.results.map((r) => r.outcome)).toEqual(['created', 'error']);
  });

  it('offline, commands that need the cluster are refused with a notice; local ones still run', async () => {
    const { ctx, calls, store } = setup();
    for (const k of WATCHED_KINDS) store.getState().setWatchState(k, 'retrying', 'connection refused');
    store.getState().select({ type: 'node', name: 'n1' });
    expect(await runCommand(cordonNode, ctx)).toBe(false);
    expect(calls).toEqual([]);
    expect(store.getState().notice?.text).toMatch(/^Cordon node: offline/);
    expect(await runCommand(COMMANDS.find((c) => c.id === 'show-resources')!, ctx)).toBe(true);
    expect(store.getState().view).toBe('resources');
  });
});
