import type { KubeObject } from '../types.js';
import { obj, objects } from './podSpec.js';
import type { Obj } from '../validation/causes.js';

/**
 * The fields kube-apiserver returns even when nothing set them: Go's JSON encoder writes a struct
 * field that is not a pointer as `{}` (omitempty does not apply to structs), a zero time as `null`,
 * and a number or string without omitempty as `0` or `""`. Clients read them without checking
 * (a Service's `status.loadBalancer`, a ReplicaSet's `status.replicas`), so a fresh object here
 * carries them as a fresh object there does. Only missing fields are filled; nothing is changed.
 */

/** `o[key]` as an object, created empty when missing or null. */
function struct(o: Obj, key: string): Obj | undefined {
  if (o[key] === undefined || o[key] === null) o[key] = {};
  return obj(o[key]);
}

function zero(o: Obj | undefined, fields: Record<string, unknown>): void {
  if (!o) return;
  for (const [k, v] of Object.entries(fields)) if (o[k] === undefined) o[k] = v;
}

/** A pod template's metadata: an ObjectMeta whose zero creationTimestamp Go writes as null. */
function template(spec: Obj | undefined): void {
  const t = spec && obj(spec.template);
  if (t) zero(struct(t, 'metadata'), { creationTimestamp: null });
}

const BY_KIND: Record<string, (o: KubeObject) => void> = {
  Service: (o) => zero(struct(o, 'status'), { loadBalancer: {} }),
  Ingress: (o) => zero(struct(o, 'status'), { loadBalancer: {} }),
  Deployment: (o) => {
    struct(o, 'status');
    template(obj(o.spec));
  },
  ReplicaSet: (o) => {
    zero(struct(o, 'status'), { replicas: 0 });
    template(obj(o.spec));
  },
  DaemonSet: (o) => {
    zero(struct(o, 'status'), { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
    template(obj(o.spec));
  },
  StatefulSet: (o) => {
    zero(struct(o, 'status'), { replicas: 0, availableReplicas: 0 });
    const spec = obj(o.spec);
    template(spec);
    for (const pvc of objects(spec?.volumeClaimTemplates)) {
      zero(struct(pvc, 'metadata'), { creationTimestamp: null });
      zero(struct(pvc, 'status'), { phase: 'Pending' });
    }
  },
  Job: (o) => {
    struct(o, 'status');
    template(obj(o.spec));
  },
  Node: (o) => {
    struct(o, 'spec');
    const status = struct(o, 'status');
    if (!status) return;
    zero(struct(struct(status, 'daemonEndpoints') ?? {}, 'kubeletEndpoint'), { Port: 0 });
    const info = struct(status, 'nodeInfo');
    zero(info, { machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '', kubeletVersion: '', kubeProxyVersion: '', operatingSystem: '', architecture: '' });
  },
  Lease: (o) => {
    struct(o, 'spec');
  },
  Event: (o) => {
    struct(o, 'involvedObject');
    struct(o, 'source');
    zero(o, { firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: '', reportingInstance: '' });
  },
};

/** Fills, in place, the zero-valued fields a real server's answer has for an object of `kind`. */
export function applyZeroFields(kind: string, o: KubeObject): void {
  BY_KIND[kind]?.(o);
}
