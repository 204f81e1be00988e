import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../../orchestrator/api/types.js';
import { restartPatch, revisionsOf, rollbackPatch, templateWithoutHash } from './rollout.js';

const tpl = (image: string, hash?: string) => ({ metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } }, spec: { containers: [{ name: 'c', image }] } });
const deploy = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'd1', annotations: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', team: 'blue' } },
  spec: { selector: { matchLabels: { app: 'web' } }, template: tpl('v2') },
} as unknown as Deployment;
const rs = (name: string, rev: string, image: string, owner = 'd1'): ReplicaSet =>
  ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', annotations: { 'deployment.kubernetes.io/revision': rev, 'deployment.kubernetes.io/desired-replicas': '2', team: 'red' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner, controller: true }] },
    spec: { selector: { matchLabels: { app: 'web' } }, template: tpl(image, name) },
  }) as unknown as ReplicaSet;

describe('rollout', () => {
  it('lists revisions newest first, only of this deployment, marking the running one', () => {
    const revs = revisionsOf(deploy, [rs('web-a', '1', 'v1'), rs('web-b', '2', 'v2'), rs('other', '3', 'v9', 'x')]);
    expect(revs.map((r) => [r.revision, r.current, r.rs.metadata.name])).toEqual([[2, true, 'web-b'], [1, false, 'web-a']]);
    expect(revs[1]?.template.metadata?.labels).toEqual({ app: 'web' });
  });

  it("builds kubectl rollout undo's patch: the template without its hash, annotations from the ReplicaSet except bookkeeping", () => {
    expect(rollbackPatch(deploy, rs('web-a', '1', 'v1'))).toEqual([
      { op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } } },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', team: 'red' } },
    ]);
    expect(templateWithoutHash(undefined)).toEqual({ spec: { containers: [] } });
  });

  it('restarts with a restartedAt template annotation', () => {
    expect(restartPatch('2025-01-01T00:00:00Z')).toEqual({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } });
  });
});
