import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../orchestrator/api/types.js';
import { KubeApi, type FetchFn } from '../api/client.js';
import { createAppStore } from '../store/appStore.js';
import { node, pod } from '../testing/fixtures.js';
import { deleteResource } from './deleteResource.js';
import { drainNode } from './drainNode.js';
import { evictPodCommand } from './evictPodCommand.js';
import { pauseRollout } from './pauseRollout.js';
import { resumeRollout } from './resumeRollout.js';
import { rolloutRestart } from './rolloutRestart.js';
import { runCommand } from './runCommand.js';
import { scaleWorkload } from './scaleWorkload.js';
import type { CommandContext } from './types.js';

const deployRef = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, namespace: 'shop', name: 'web' };

function setup(paused = false) {
  const calls: { method?: string; url: string; type?: string; body?: string }[] = [];
  const fetchFn: FetchFn = async (url, init) => {
    calls.push({ method: init?.method, url, type: (init?.headers as Record<string, string>)['Content-Type'], body: init?.body as string | undefined });
    return new Response('{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web"}}');
  };
  const store = createAppStore();
  const ctx: CommandContext = { store, api: new KubeApi(fetchFn), openFilePicker: () => undefined };
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'd1' }, spec: { replicas: 3, paused, selector: {}, template: { spec: { containers: [] } } } } as unknown as Deployment;
  store.getState().applyOps([
    { kind: 'deployments', type: 'reset', items: [d] },
    { kind: 'pods', type: 'reset', items: [pod('p', { ns: 'shop', nodeName: 'n1' })] },
    { kind: 'nodes', type: 'reset', items: [node('n1')] },
  ]);
  return { ctx, store, calls };
}

describe('object commands', () => {
  it('scale applies to workloads, shows the current count, and opens its dialog', async () => {
    const { ctx, store } = setup();
    expect(scaleWorkload.enabled(ctx)).toBe(false);
    store.getState().select({ type: 'object', ref: deployRef });
    expect(scaleWorkload.enabled(ctx)).toBe(true);
    expect(scaleWorkload.detail?.(ctx)).toBe('web: 3 replicas now');
    await runCommand(scaleWorkload, ctx);
    expect(store.getState().resourceDialog).toEqual({ type: 'scale', ref: deployRef });
  });

  it('restart, pause and resume patch the deployment as kubectl does', async () => {
    const { ctx, store, calls } = setup();
    store.getState().select({ type: 'object', ref: deployRef });
    expect([pauseRollout.enabled(ctx), resumeRollout.enabled(ctx)]).toEqual([true, false]);
    await runCommand(rolloutRestart, ctx);
    await runCommand(pauseRollout, ctx);
    expect(calls.map((c) => [c.method, c.url, c.type])).toEqual([
      ['PATCH', '/k8s/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=skiff-ui', 'application/strategic-merge-patch+json'],
      ['PATCH', '/k8s/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=skiff-ui', 'application/strategic-merge-patch+json'],
    ]);
    expect(JSON.parse(calls[0]?.body ?? '{}').spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-/);
    expect(JSON.parse(calls[1]?.body ?? '{}')).toEqual({ spec: { paused: true } });
    const p = setup(true);
    p.store.getState().select({ type: 'object', ref: deployRef });
    expect([pauseRollout.enabled(p.ctx), resumeRollout.enabled(p.ctx)]).toEqual([false, true]);
  });

  it('delete, drain and evict only open their confirmations', async () => {
    const { ctx, store, calls } = setup();
    store.getState().select({ type: 'pod', key: 'shop/p' });
    expect(deleteResource.enabled(ctx)).toBe(false); // pods use "Delete pod"
    await runCommand(evictPodCommand, ctx);
    expect(store.getState().resourceDialog).toMatchObject({ type: 'evict', ref: { name: 'p', namespace: 'shop' } });
    store.getState().select({ type: 'node', name: 'n1' });
    await runCommand(drainNode, ctx);
    expect(store.getState().resourceDialog).toEqual({ type: 'drain', node: 'n1' });
    store.getState().select({ type: 'object', ref: deployRef });
    await runCommand(deleteResource, ctx);
    expect(store.getState().resourceDialog).toEqual({ type: 'delete', ref: deployRef });
    expect(calls).toEqual([]);
  });
});
