import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { ServiceAllocator } from './serviceAllocator.js';
import type { Strategy } from './types.js';

/** Services: a cluster IP (from `serviceCIDR`) and node ports are allocated before validation (see ServiceAllocator). */
export function serviceStrategy(store: Store, clock: Clock, serviceCIDR?: string): Strategy {
  const allocator = new ServiceAllocator(store, clock, serviceCIDR);
  return {
    prepareForCreate: (obj) => allocator.allocate(obj),
    prepareForUpdate: (next, current) => allocator.allocate(next, current),
  };
}
