import { describe, expect, it } from 'vitest';
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import type { RequestContext } from '../requestContext.js';

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { a: '1' } } as KubeObject);

describe('per-kind strategies', () => {
  it('calls a kind\'s hooks with the request identity (SYSTEM for in-process callers)', async () => {
    const { registry } = await memoryCluster();
    const seen: string[] = [];
    registry.strategies.register('configmaps', {
      prepareForCreate: (obj, req) => {
        seen.push(`create:${req.user}`);
        obj.metadata.labels = { stamped: 'yes' };
      },
      admit: (_obj, current, req: RequestContext) => {
        seen.push(`admit:${current ? 'update' : 'create'}:${req.user}`);
        if (req.user === 'mallory') throw errors.forbidden('mallory', current ? 'update' : 'create', { group: '', resource: 'configmaps', kind: 'ConfigMap' }, 'default', 'x');
      },
    });
    const created = await registry.create('configmaps', 'default', cm('a'));
    expect(created.metadata.labels).toEqual({ stamped: 'yes' });
    await expect(registry.create('configmaps', 'default', cm('b'), { user: { user: 'mallory', groups: [] } })).rejects.toSatisfy((e: unknown) => e instanceof ApiError && e.code === 403);
    await expect(registry.get('configmaps', 'default', 'b')).rejects.toSatisfy((e: unknown) => e instanceof ApiError && e.code === 404);
    await registry.update('configmaps', 'default', 'a', { ...created, data: { a: '2' } } as KubeObject, { user: { user: 'alice', groups: [] } });
    expect(seen).toEqual(['create:system:skiff', 'admit:create:system:skiff', 'create:mallory', 'admit:create:mallory', 'admit:update:alice']);
  });

  it('lets a kind\'s deletion hook add finalizers, a grace period and a status', async () => {
    const { registry } = await memoryCluster();
    await registry.create('configmaps', 'default', cm('f'));
    registry.strategies.register('configmaps', { deletion: () => ({ gracePeriodSeconds: 5, finalizers: ['example.com/keep'], status: { gone: 'soon' } }) });
    const marked = await registry.delete('configmaps', 'default', 'f');
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.metadata.finalizers).toEqual(['example.com/keep']);
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(5);
  });

  it('drops a StatefulSet\'s rollingUpdate.maxUnavailable (alpha and off in 1.32), as kube-apiserver does', async () => {
    const { registry } = await memoryCluster();
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'db' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1, maxUnavailable: 2 } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } },
    } as KubeObject;
    const created = await registry.create('statefulsets', 'default', sts);
    expect((created.spec as { updateStrategy: unknown }).updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 1 } });
  });

  it('warns about what a pod template asks and Skiff does not do, for every kind that holds one, at its path', async () => {
    const { registry } = await memoryCluster();
    const podSpec = () => ({ restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'x' }], volumes: [{ name: 'src', gitRepo: { repository: 'r' } }] });
    const template = () => ({ metadata: { labels: { app: 't' } }, spec: podSpec() });
    const selector = { matchLabels: { app: 't' } };
    const kinds: [string, string, Record<string, unknown>, string][] = [
      ['deployments', 'apps/v1', { selector, template: { ...template(), spec: { ...podSpec(), restartPolicy: 'Always' } } }, 'spec.template.spec'],
      ['replicasets', 'apps/v1', { selector, template: { ...template(), spec: { ...podSpec(), restartPolicy: 'Always' } } }, 'spec.template.spec'],
      ['daemonsets', 'apps/v1', { selector, template: { ...template(), spec: { ...podSpec(), restartPolicy: 'Always' } } }, 'spec.template.spec'],
      ['statefulsets', 'apps/v1', { selector, template: { ...template(), spec: { ...podSpec(), restartPolicy: 'Always' } } }, 'spec.template.spec'],
      ['replicationcontrollers', 'v1', { selector: { app: 't' }, template: { ...template(), spec: { ...podSpec(), restartPolicy: 'Always' } } }, 'spec.template.spec'],
      ['jobs', 'batch/v1', { template: template() }, 'spec.template.spec'],
      ['cronjobs', 'batch/v1', { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template() } } }, 'spec.jobTemplate.spec.template.spec'],
    ];
    for (const [resource, apiVersion, spec, path] of kinds) {
      const warnings: string[] = [];
      const kind = { deployments: 'Deployment', replicasets: 'ReplicaSet', daemonsets: 'DaemonSet', statefulsets: 'StatefulSet', replicationcontrollers: 'ReplicationController', jobs: 'Job', cronjobs: 'CronJob' }[resource];
      await registry.create(resource, 'default', { apiVersion, kind, metadata: { name: 't', namespace: 'default' }, spec } as KubeObject, { warnings });
      expect(warnings, resource).toContainEqual(expect.stringMatching(new RegExp(`^${path.replace(/\./g, '\\.')}\\.volumes\\[0\\]\\.gitRepo: `)));
    }
  });
});
