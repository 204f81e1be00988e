import type { Container, ContainerStateWaiting, Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { PullProgress, RegistryAuth, Runtime } from '../runtime/types.js';
import type { Backoff } from '../../client/Backoff.js';
import { pullPolicy } from './containers.js';
import type { Recorder } from './types.js';

/** `ready`: the image is there. Otherwise why the container waits, and when to look again. */
export type ImageResult = { ready: true } | { ready: false; waiting: ContainerStateWaiting; retryMs?: number };

export interface PullOptions {
  /** Runs once a real pull is about to start (to publish a Pending status first). */
  beforePull?: () => Promise<void>;
  /** Credentials that match the image (from the pod's pull secrets), tried in order; none: anonymous. */
  auths?: RegistryAuth[];
  /** Called now and then during a pull with a line saying how far it got. */
  onProgress?: (message: string) => void;
}

/** How often progress is reported while a pull runs. */
const PROGRESS_EVERY_MS = 2_000;

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/**
 * Makes a container's image present according to its `imagePullPolicy`, as the kubelet's image
 * manager does, recording Pulling/Pulled/Failed/BackOff events (`Pulled` with the duration and the
 * image's size). With pull secrets, each matching credential is tried until one works, as the
 * kubelet does. A failed pull answers `ErrImagePull` with the engine's message and arms a
 * per-container back-off; asking again inside it answers `ImagePullBackOff` without pulling.
 */
export class ImagePuller {
  constructor(
    private readonly runtime: Runtime,
    private readonly recorder: Recorder,
    private readonly backoff: Backoff,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async ensure(pod: Pod, c: Container, opts: PullOptions = {}): Promise<ImageResult> {
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
    await opts.beforePull?.();
    this.recorder.record(pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
    const started = this.clock.now();
    const attempts: (RegistryAuth | undefined)[] = opts.auths?.length ? opts.auths : [undefined];
    let failure: unknown;
    for (const auth of attempts) {
      try {
        await this.runtime.pull(c.image, this.progress(c.image, opts.onProgress), auth);
        failure = undefined;
        break;
      } catch (e) {
        failure = e;
      }
    }
    if (failure !== undefined) {
      const msg = failure instanceof Error ? failure.message : String(failure);
      this.backoff.next(key, this.clock.now());
      this.recorder.record(pod, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${msg}`);
      this.recorder.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      return { ready: false, waiting: { reason: 'ErrImagePull', message: msg }, retryMs: this.backoff.current(key) };
    }
    this.backoff.reset(key);
    const secs = ((this.clock.now() - started) / 1000).toFixed(3);
    const size = (await this.runtime.imageInfo(c.image).catch(() => undefined))?.sizeBytes;
    this.recorder.record(pod, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${secs}s (${secs}s including waiting).${size !== undefined ? ` Image size: ${size} bytes.` : ''}`);
    return { ready: true };
  }

  /** Sums the layers' download progress and reports it at most every two seconds. */
  private progress(image: string, report: ((m: string) => void) | undefined): (p: PullProgress) => void {
    const layers = new Map<string, { current: number; total: number }>();
    let last = 0;
    return (p) => {
      this.log.debug('pull progress', { image, status: p.status, progress: p.progress });
      if (!report || !p.id) return;
      if (p.status === 'Downloading' && p.total) layers.set(p.id, { current: p.current ?? 0, total: p.total });
      else if (p.status === 'Download complete' || p.status === 'Pull complete' || p.status === 'Already exists') {
        const l = layers.get(p.id);
        if (l) l.current = l.total;
      }
      const now = this.clock.now();
      if (now - last < PROGRESS_EVERY_MS || layers.size === 0) return;
      last = now;
      let done = 0;
      let total = 0;
      for (const l of layers.values()) {
        done += l.current;
        total += l.total;
      }
      report(`Pulling image "${image}": ${mb(done)} of ${mb(total)}`);
    };
  }
}
