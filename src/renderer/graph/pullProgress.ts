import type { KubeEvent, Pod } from '../../orchestrator/api/types.js';
import type { ObjectMap } from '../store/kinds.js';
import { eventTime } from './pendingReasons.js';

/** Where an image pull of a pod stands, from the kubelet's events (Pulling/Pulled/Failed/BackOff). */
export type PullState = 'pulling' | 'pulled' | 'failed' | 'backoff';

export interface PullStatus {
  image: string;
  state: PullState;
  /** The last event's message. */
  message: string;
  /** Downloaded and total MB from the container's waiting message while it pulls (the kubelet's progress report). */
  progress?: { doneMb: number; totalMb: number };
}

const PROGRESS = /^Pulling image "([^"]+)": ([\d.]+) MB of ([\d.]+) MB$/;
const IMAGE_OF: Record<string, { state: PullState; re: RegExp }> = {
  Pulling: { state: 'pulling', re: /^Pulling image "([^"]+)"/ },
  Pulled: { state: 'pulled', re: /image "([^"]+)"/ },
  Failed: { state: 'failed', re: /^Failed to pull image "([^"]+)"/ },
  BackOff: { state: 'backoff', re: /^Back-off pulling image "([^"]+)"/ },
};
// Same time: the pull that ended outranks the one that began (core/v1 events carry whole seconds).
const RANK: Record<PullState, number> = { pulling: 0, pulled: 1, failed: 1, backoff: 2 };

/** The progress the kubelet writes into a container's waiting message while its image downloads. */
export function parsePullProgress(message: string | undefined): { image: string; doneMb: number; totalMb: number } | undefined {
  const m = message ? PROGRESS.exec(message) : null;
  return m ? { image: m[1] as string, doneMb: Number(m[2]), totalMb: Number(m[3]) } : undefined;
}

type Latest = Map<string, { at: number; state: PullState; message: string }>;

/** Each image's latest pull event among `events` (all about one pod). */
function latestPulls(events: readonly KubeEvent[]): Latest {
  const latest: Latest = new Map();
  for (const e of events) {
    const rule = e.reason ? IMAGE_OF[e.reason] : undefined;
    const image = rule && e.message ? rule.re.exec(e.message)?.[1] : undefined;
    if (!rule || !image) continue;
    const at = eventTime(e);
    const prev = latest.get(image);
    if (!prev || at > prev.at || (at === prev.at && RANK[rule.state] >= RANK[prev.state])) latest.set(image, { at, state: rule.state, message: e.message ?? '' });
  }
  return latest;
}

/**
 * Each image's latest pull state for one pod: its events (any order; only image events of this
 * pod count) joined with the progress in its containers' waiting messages. Sorted by image.
 */
export function podPulls(pod: Pod, events: readonly KubeEvent[]): PullStatus[] {
  const mine = events.filter((e) => {
    const o = e.involvedObject;
    if (o?.kind !== 'Pod' || o.name !== pod.metadata.name || (o.namespace ?? '') !== (pod.metadata.namespace ?? '')) return false;
    return !(o.uid && pod.metadata.uid && o.uid !== pod.metadata.uid);
  });
  const latest = latestPulls(mine);
  const progress = new Map<string, { doneMb: number; totalMb: number }>();
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const p = parsePullProgress(s.state?.waiting?.message);
    if (p) progress.set(p.image, { doneMb: p.doneMb, totalMb: p.totalMb });
  }
  const out: PullStatus[] = [];
  for (const [image, l] of latest) {
    const p = progress.get(image);
    out.push({ image, state: l.state, message: l.message, ...(l.state === 'pulling' && p ? { progress: p } : {}) });
  }
  for (const [image, p] of progress) if (!latest.has(image)) out.push({ image, state: 'pulling', message: `Pulling image "${image}"`, progress: p });
  return out.sort((a, b) => a.image.localeCompare(b.image));
}

const cache = new WeakMap<object, Map<string, string>>();

/**
 * The image each pod is pulling now according to its events (`⤓ pulling busybox:1`), by
 * `namespace/name`: built once per events map (cached), so every pod chip reads it in O(1).
 */
export function pullingIndex(events: ObjectMap<KubeEvent>): Map<string, string> {
  let index = cache.get(events);
  if (index) return index;
  const perPod = new Map<string, KubeEvent[]>();
  for (const e of Object.values(events)) {
    const o = e.involvedObject;
    if (o?.kind !== 'Pod' || !e.reason || !(e.reason in IMAGE_OF)) continue;
    const k = `${o.namespace ?? ''}/${o.name ?? ''}`;
    const list = perPod.get(k);
    if (list) list.push(e);
    else perPod.set(k, [e]);
  }
  index = new Map();
  for (const [k, list] of perPod) {
    for (const [image, l] of latestPulls(list)) {
      if (l.state === 'pulling') {
        index.set(k, pullText({ image, state: 'pulling', message: l.message }));
        break;
      }
    }
  }
  cache.set(events, index);
  return index;
}

/** What a pod chip says about a pull in progress: the progress in its status first, else its events. */
export function podPullLine(pod: Pod | undefined, events: ObjectMap<KubeEvent>, key: string): string | undefined {
  if (!pod) return undefined;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const p = parsePullProgress(s.state?.waiting?.message);
    if (p) return pullText({ image: p.image, state: 'pulling', message: '', progress: { doneMb: p.doneMb, totalMb: p.totalMb } });
  }
  return pullingIndex(events).get(key);
}

/** `⤓ busybox:1 12.3 of 45.6 MB`, or `⤓ pulling busybox:1` before the first progress report. */
export function pullText(p: PullStatus): string {
  const short = p.image.split('/').pop() ?? p.image;
  return p.progress ? `⤓ ${short} ${p.progress.doneMb} of ${p.progress.totalMb} MB` : `⤓ pulling ${short}`;
}
