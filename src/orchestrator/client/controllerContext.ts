import type { Client } from './types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { EventRecorder } from './events.js';
import type { SharedInformers } from './SharedInformers.js';

/** What every controller (and the scheduler) is started with; built once by the manager. */
export interface ControllerContext {
  client: Client;
  clock: Clock;
  log: Logger;
  informers: SharedInformers;
  /** The recorder for a component name (`replicaset-controller`, `default-scheduler`...). */
  recorder(component: string): EventRecorder;
}
