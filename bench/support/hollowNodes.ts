// Hollow nodes, as KWOK or kubemark's: Node objects registered and heartbeated over the API, whose
// pods are reported Running and Ready without any container, so the control plane (API, scheduler,
// controllers) is measured alone. Runs in the bench's process, talking HTTPS like real agents.
import { request } from 'node:https';
import { Client, pool, type ServerHandle } from '../api/harness.js';

const MERGE = 'application/merge-patch+json';

interface PodEvent {
  type: string;
  object: { metadata: { name: string; namespace: string; resourceVersion?: string }; spec?: { nodeName?: string }; status?: { phase?: string } };
}

export interface HollowNodes {
  /** Epoch ms when each pod was first seen bound, by namespace/name. */
  readonly boundAt: Map<string, number>;
  /** Epoch ms when each pod's Running status was written (the API answered 200), by namespace/name. */
  readonly runningAt: Map<string, number>;
  /** Status writes the API refused or that failed (each is counted, not retried). */
  readonly statusErrors: number;
  /** Bound pods whose status write has not been answered yet (queued or in flight). */
  backlog(): number;
  stop(): Promise<void>;
}

/**
 * Registers `n` Ready nodes named `hollow-<i>` with room for `podsPerNode` pods, heartbeats every
 * 10 s, runs their pods. Each node holds its own connection, as each kubelet does, and writes its
 * pods' statuses one at a time in the order it saw them bound (the kubelet's status manager), so
 * the API sees up to `n` status writes at once and no backlog builds up behind a few connections.
 */
export async function startHollowNodes(s: Pick<ServerHandle, 'apiUrl' | 'caPem' | 'token'>, n: number, podsPerNode = 110): Promise<HollowNodes> {
  const names = Array.from({ length: n }, (_, i) => `hollow-${i}`);
  const clients = names.map(() => new Client(s));
  const byName = new Map(names.map((name, i) => [name, i]));
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const ready = () => [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'hollow node', lastHeartbeatTime: now(), lastTransitionTime: now() }];
  await pool(n, 4, async (i) => {
    const c = clients[i] as Client;
    const node = await c.json<{ metadata: { name: string } }>('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: names[i], labels: { 'kubernetes.io/hostname': names[i], 'topology.kubernetes.io/zone': `zone-${i % 3}`, type: 'hollow' } },
      spec: {},
    });
    const status = { capacity: { cpu: '32', memory: '128Gi', pods: String(podsPerNode) }, allocatable: { cpu: '32', memory: '128Gi', pods: String(podsPerNode) }, conditions: ready() };
    const r = await c.call('PATCH', `/api/v1/nodes/${node.metadata.name}/status`, { body: { status }, contentType: MERGE });
    if (r.status !== 200) throw new Error(`hollow node status: ${r.status} ${r.body.toString().slice(0, 200)}`);
  });
  let stopped = false;
  const beat = setInterval(() => {
    for (let i = 0; i < n; i++) {
      void clients[i]?.call('PATCH', `/api/v1/nodes/${names[i]}/status`, { body: { status: { conditions: ready() } }, contentType: MERGE }).catch(() => undefined);
    }
  }, 10_000);

  const boundAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  let statusErrors = 0;
  /** Per node: the pods it still has to report, and whether a status write is in flight. */
  const queues = names.map(() => ({ pods: [] as PodEvent['object'][], busy: false }));
  let queued = 0;
  const report = (i: number) => {
    const q = queues[i] as (typeof queues)[number];
    if (q.busy || stopped) return;
    const p = q.pods.shift();
    if (!p) return;
    q.busy = true;
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    const t = now();
    void (clients[i] as Client)
      .call('PATCH', `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/status`, {
        body: { status: { phase: 'Running', startTime: t, podIP: '10.244.0.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }, { type: 'PodScheduled', status: 'True', lastTransitionTime: t }] } },
        contentType: MERGE,
        keepBody: false,
      })
      .then(
        (r) => {
          if (r.status === 200) runningAt.set(key, Date.now());
          else statusErrors++;
        },
        () => {
          statusErrors++;
        },
      )
      .finally(() => {
        queued--;
        q.busy = false;
        report(i);
      });
  };
  // One watch on every bound pod, as KWOK holds: what every kubelet's watch (`spec.nodeName=<node>`)
  // sees together, no unbound pod (merge-patch bodies keep the writes small).
  const req = request(new URL('/api/v1/pods?watch=true&fieldSelector=spec.nodeName%21%3D', s.apiUrl), { ca: s.caPem, headers: { authorization: `Bearer ${s.token}` } }, (res) => {
    let buf = '';
    res.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as PodEvent;
        const node = ev.object.spec?.nodeName;
        const at = node === undefined ? undefined : byName.get(node);
        if (at === undefined || ev.type === 'DELETED') continue;
        const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
        if (boundAt.has(key)) continue;
        boundAt.set(key, Date.now());
        if (ev.object.status?.phase !== 'Running') {
          (queues[at] as (typeof queues)[number]).pods.push(ev.object);
          queued++;
          report(at);
        }
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return {
    boundAt,
    runningAt,
    get statusErrors() {
      return statusErrors;
    },
    backlog: () => queued,
    async stop() {
      stopped = true;
      clearInterval(beat);
      req.destroy();
      for (const c of clients) c.close();
    },
  };
}
