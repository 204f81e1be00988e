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
  stop(): Promise<void>;
}

/** Registers `n` Ready nodes named `hollow-<i>` with room for `podsPerNode` pods, heartbeats every 10 s, runs their pods. */
export async function startHollowNodes(s: Pick<ServerHandle, 'apiUrl' | 'caPem' | 'token'>, n: number, podsPerNode = 110): Promise<HollowNodes> {
  const clients = Array.from({ length: 4 }, () => new Client(s));
  const names = Array.from({ length: n }, (_, i) => `hollow-${i}`);
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const ready = () => [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'hollow node', lastHeartbeatTime: now(), lastTransitionTime: now() }];
  await pool(n, 4, async (i, w) => {
    const c = clients[w] as Client;
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
    void pool(n, 2, async (i, w) => {
      if (stopped) return;
      await clients[w]?.call('PATCH', `/api/v1/nodes/${names[i]}/status`, { body: { status: { conditions: ready() } }, contentType: MERGE }).catch(() => undefined);
    });
  }, 10_000);

  const boundAt = new Map<string, number>();
  const pending: PodEvent['object'][] = [];
  let running = 0;
  const reportRunning = () => {
    while (running < 4 && pending.length) {
      const p = pending.shift() as PodEvent['object'];
      running++;
      const c = clients[running % clients.length] as Client;
      const t = now();
      void c
        .call('PATCH', `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/status`, {
          body: { status: { phase: 'Running', startTime: t, podIP: '10.244.0.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }, { type: 'PodScheduled', status: 'True', lastTransitionTime: t }] } },
          contentType: MERGE,
        })
        .catch(() => undefined)
        .finally(() => {
          running--;
          reportRunning();
        });
    }
  };
  // One watch on every pod (merge-patch bodies keep the writes small).
  const req = request(new URL('/api/v1/pods?watch=true', s.apiUrl), { ca: s.caPem, headers: { authorization: `Bearer ${s.token}` } }, (res) => {
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
        if (!node?.startsWith('hollow-') || ev.type === 'DELETED') continue;
        const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
        if (!boundAt.has(key)) boundAt.set(key, Date.now());
        if (ev.object.status?.phase !== 'Running') {
          pending.push(ev.object);
          reportRunning();
        }
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return {
    boundAt,
    async stop() {
      stopped = true;
      clearInterval(beat);
      req.destroy();
      for (const c of clients) c.close();
    },
  };
}
