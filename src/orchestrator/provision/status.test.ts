import { describe, expect, it } from 'vitest';
import { memoryCluster } from '../testing/memoryCluster.js';
import { PROVISION_STEPS } from './plan.js';
import { StatusReporter } from './status.js';
import type { Host } from './types.js';

describe('StatusReporter', () => {
  it('writes each change to the Host status, in order, leaving the spec alone', async () => {
    const { client, clock, dispose } = await memoryCluster();
    const host = await client.create<Host>('hosts', { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'w1' }, spec: { address: '10.0.0.1', user: 'root', useAgent: true } });
    const seen: string[] = [];
    const w = client.watch<Host>('hosts', { resourceVersion: host.metadata.resourceVersion }, (e) => {
      const s = e.object.status;
      seen.push(`${s?.phase}:${s?.steps?.map((x) => x.state[0]).join('')}`);
    });
    const r = new StatusReporter(client, host, clock);
    await r.begin(PROVISION_STEPS, 'connecting');
    await r.step('connect', 'running', undefined, 'Connecting');
    await clock.advance(2_000);
    await r.step('connect', 'done', 'connected');
    await r.condition('Connected', 'True', 'SSHConnected', 'connected');
    await clock.advance(10);
    const got = await client.get<Host>('hosts', undefined, 'w1');
    expect(got.spec).toEqual(host.spec);
    expect(got.status?.steps?.[0]).toEqual({ name: 'connect', title: 'Connect over SSH', state: 'done', message: 'connected', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:02Z' });
    expect(got.status?.conditions?.[0]).toMatchObject({ type: 'Connected', status: 'True' });
    expect(seen.slice(0, 3)).toEqual(['Connecting:ppppppp', 'Connecting:rpppppp', 'Connecting:dpppppp']);
    w.dispose();
    dispose();
  });
});
