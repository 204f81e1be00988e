import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE, kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';
import { EMPTYDIR_CHECK_MS } from './emptyDirLimits.js';
import { engineVolumeName } from './volumes/volumeManager.js';

let f: KubeletFixture;
beforeEach(async () => {
  f = await kubeletFixture();
});
afterEach(() => f.dispose());

const spec = (volumes: unknown[]) => ({ terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: IMAGE }], volumes });

describe('kubelet: emptyDir sizeLimit on disk', () => {
  const cases: { name: string; volumes: unknown[]; usage: Record<string, number>; evicted?: string }[] = [
    { name: 'usage over the limit evicts the pod with the kubelet`s message', volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Mi' } }], usage: { scratch: 2 << 20 }, evicted: 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ' },
    { name: 'usage at the limit is fine', volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Mi' } }], usage: { scratch: 1 << 20 } },
    { name: 'no sizeLimit: never measured against one', volumes: [{ name: 'scratch', emptyDir: {} }], usage: { scratch: 1 << 30 } },
    { name: 'a Memory emptyDir is a tmpfs of its size: not measured', volumes: [{ name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }], usage: { ram: 2 << 20 } },
    {
      name: 'the first volume over its limit is named',
      volumes: [{ name: 'a', emptyDir: { sizeLimit: '10Mi' } }, { name: 'b', emptyDir: { sizeLimit: '1M' } }],
      usage: { a: 1 << 20, b: 1_000_001 },
      evicted: 'Usage of EmptyDir volume "b" exceeds the limit "1M". ',
    },
  ];

  it.each(cases)('$name', async (t) => {
    await f.createPod('p', spec(t.volumes));
    const pod = await f.pod('p');
    expect(pod.status?.phase).toBe('Running');
    for (const [name, bytes] of Object.entries(t.usage)) f.runtime.volumeBytes.set(engineVolumeName(pod, name), bytes);
    await f.advance(EMPTYDIR_CHECK_MS + 1_000);
    const st = (await f.pod('p')).status!;
    if (!t.evicted) {
      expect(st.phase).toBe('Running');
      expect(f.containersOf('p')[0]!.running).toBe(true);
      return;
    }
    expect([st.phase, st.reason, st.message]).toEqual(['Failed', 'Evicted', t.evicted]);
    expect(st.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'TerminationByKubelet', message: t.evicted });
    expect(f.containersOf('p')[0]!.running).toBe(false);
    expect((await f.events('p')).find((e) => e.reason === 'Evicted')).toMatchObject({ type: 'Warning', message: t.evicted });
  });
});
