import { describe, expect, it } from 'vitest';
import { podTotals, type PodSpecLike } from './podResources.js';

const c = (cpu: string, memory?: string, restartPolicy?: string) => ({ ...(restartPolicy ? { restartPolicy } : {}), resources: { requests: { cpu, ...(memory ? { memory } : {}) }, limits: { cpu } } });
const total = (spec: PodSpecLike) => Object.fromEntries(podTotals(spec, 'requests').milli);

describe("a pod's effective requests (resourcehelper.PodRequests)", () => {
  it.each([
    { name: 'app containers add up', spec: { containers: [c('1'), c('500m')] }, want: { cpu: 1500 } },
    { name: 'a plain init container is a peak, not added', spec: { initContainers: [c('2')], containers: [c('1'), c('500m')] }, want: { cpu: 2000 } },
    { name: 'init containers run one at a time: the largest', spec: { initContainers: [c('2'), c('3')], containers: [c('1')] }, want: { cpu: 3000 } },
    { name: 'a sidecar runs beside the app containers', spec: { initContainers: [c('2', undefined, 'Always')], containers: [c('1')] }, want: { cpu: 3000 } },
    { name: 'an init container after a sidecar runs beside it', spec: { initContainers: [c('1', undefined, 'Always'), c('3')], containers: [c('500m')] }, want: { cpu: 4000 } },
    { name: 'an init container before a sidecar does not', spec: { initContainers: [c('3'), c('1', undefined, 'Always')], containers: [c('500m')] }, want: { cpu: 3000 } },
    // The KEP's example: sidecars 1 and 2 (cpu), init 3 between them, app 4.
    { name: 'the sidecar KEP example', spec: { initContainers: [c('1', undefined, 'Always'), c('5'), c('2', undefined, 'Always')], containers: [c('4')] }, want: { cpu: 7000 } },
    { name: 'each resource on its own, overhead added', spec: { initContainers: [c('1', '1Gi')], containers: [c('2', '256Mi')], overhead: { cpu: '250m' } }, want: { cpu: 2250, memory: 1024 ** 3 * 1000 } },
  ])('$name', ({ spec, want }) => {
    expect(total(spec as PodSpecLike)).toEqual(want);
  });

  it('limits the same way', () => {
    const spec = { initContainers: [c('1', undefined, 'Always')], containers: [c('2')] };
    expect(Object.fromEntries(podTotals(spec, 'limits').milli)).toEqual({ cpu: 3000 });
  });
});
