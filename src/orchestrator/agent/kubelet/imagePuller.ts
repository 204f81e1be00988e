import type { Container, ContainerStateWaiting, Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Runtime } from '../runtime/types.js';
import type { Backoff } from '../../client/Backoff.js';
import { pullPolicy } from './containers.js';
import type { Recorder } from './types.js';

/** `ready`: the image is there. Otherwise why the container waits, and when to look again. */
export type ImageResult = { ready: true } | { ready: false; waiting: ContainerStateWaiting; retryMs?: number };

/**
 * Makes a container's image present according to its `imagePullPolicy`, as the kubelet's image
 * manager does, recording Pulling/Pulled/Failed/BackOff events. A failed pull answers `ErrImagePull`
 * and arms a per-container back-off; asking again inside it answers `ImagePullBackOff` without
 * pulling.
 */
export class ImagePuller {
  constructor(
    private readonly runtime: Runtime,
    private readonly recorder: Recorder,
    private readonly backoff: Backoff,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** `beforePull` runs once a real pull is about to start (to publish a Pending status first). */
  async ensure(pod: Pod, c: Container, beforePull?: () => Promise<void>): Promise<ImageResult> {
    const policy = pullPolicy(c);
    const present = (await this.runtime.imageId(c.image)) !== undefined;
    if (policy === 'Never') {
      if (present) return { ready: true };
      const message = `Container image "${c.image}" is not present with pull policy of Never`;
      this.recorder.record(pod, 'Warning', 'ErrImageNeverPull', message);
      return { ready: false, waiting: { reason: 'ErrImageNeverPull', message } };
    }
    if (policy === 'IfNotPresent' && present) {
      this.recorder.record(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
      return { ready: true };
    }
    const key = `${pod.metadata.uid}/${c.name}/pull`;
    const left = this.backoff.remainingSinceUpdate(key);
    if (left > 0) {
      const message = `Back-off pulling image "${c.image}"`;
      this.recorder.record(pod, 'Normal', 'BackOff', message);
      return { ready: false, waiting: { reason: 'ImagePullBackOff', message }, retryMs: left };
    }
    await beforePull?.();
    this.recorder.record(pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
    const started = this.clock.now();
    try {
      await this.runtime.pull(c.image, (p) => this.log.debug('pull progress', { image: c.image, status: p.status, progress: p.progress }));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.backoff.next(key, this.clock.now());
      this.recorder.record(pod, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${msg}`);
      this.recorder.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      return { ready: false, waiting: { reason: 'ErrImagePull', message: msg }, retryMs: this.backoff.current(key) };
    }
    this.backoff.reset(key);
    const secs = ((this.clock.now() - started) / 1000).toFixed(3);
    this.recorder.record(pod, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${secs}s`);
    return { ready: true };
  }
}
