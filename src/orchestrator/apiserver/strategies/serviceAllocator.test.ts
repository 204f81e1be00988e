import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject, WatchEvent } from '../../api/types.js';
import { SqliteStore } from '../../store/SqliteStore.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import { FakeClock } from '../../util/clock.js';
import { Registry } from '../registry.js';
import { serviceStrategy } from './services.js';

type Cluster = Awaited<ReturnType<typeof memoryCluster>>;
type Svc = KubeObject & { spec: { clusterIP?: string; clusterIPs?: string[]; type?: string; ports?: { name?: string; port: number; nodePort?: number }[] } };
const svc = (name: string, spec: Svc['spec'] = {}): Svc => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } });

describe('service addresses', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await memoryCluster();
  });
  afterEach(() => c.dispose());

  it('allocates distinct cluster IPs from 10.96.0.0/12, concurrently too', async () => {
    const made = await Promise.all(Array.from({ length: 30 }, (_, i) => c.client.create<Svc>('services', svc(`s${i}`))));
    const ips = made.map((s) => s.spec.clusterIP as string);
    expect(new Set(ips).size).toBe(30);
    for (const ip of ips) {
      const [a, b] = ip.split('.').map(Number);
      expect(a).toBe(10);
      expect(b).toBeGreaterThanOrEqual(96);
      expect(b).toBeLessThanOrEqual(111);
      expect(ip).not.toBe('10.96.0.1');
    }
    expect(made[0]?.spec).toMatchObject({ clusterIPs: [ips[0]], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
  });

  it('keeps the address on update, refuses a change and a taken address', async () => {
    const a = await c.client.create<Svc>('services', svc('a'));
    const updated = await c.client.update<Svc>('services', { ...a, spec: { ports: [{ port: 81 }] } });
    expect(updated.spec.clusterIP).toBe(a.spec.clusterIP);
    await expect(c.client.patch('services', 'default', 'a', 'merge', { spec: { clusterIP: '10.96.9.9', clusterIPs: ['10.96.9.9'] } })).rejects.toMatchObject({ code: 422 });
    await expect(c.client.create('services', svc('b', { clusterIP: a.spec.clusterIP }))).rejects.toMatchObject({ code: 422, message: expect.stringContaining('provided IP is already allocated') });
    expect((await c.client.create<Svc>('services', svc('c', { clusterIP: '10.100.0.7' }))).spec.clusterIP).toBe('10.100.0.7');
  });

  it('headless and ExternalName services have none; NodePort services get node ports', async () => {
    expect((await c.client.create<Svc>('services', svc('h', { clusterIP: 'None' }))).spec.clusterIP).toBe('None');
    const ext = await c.client.create<Svc>('services', { ...svc('e', { type: 'ExternalName' }), spec: { type: 'ExternalName', externalName: 'example.com' } as Svc['spec'] });
    expect(ext.spec.clusterIP).toBeUndefined();
    const np = await c.client.create<Svc>('services', svc('n', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }));
    const ports = np.spec.ports?.map((p) => p.nodePort) ?? [];
    expect(ports).toHaveLength(2);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
    expect(new Set(ports).size).toBe(2);
  });

  it('refuses a node port another Service holds (422 naming the port), keeps its own on update', async () => {
    const a = await c.client.create<Svc>('services', svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect(a.spec.ports?.[0]?.nodePort).toBe(30080);
    const err = await c.client.create('services', svc('b', { type: 'NodePort', ports: [{ name: 'x', port: 80, nodePort: 30081 }, { name: 'y', port: 81, nodePort: 30080 }] })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 422, message: 'Service "b" is invalid: spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated' });
    const b = await c.client.create<Svc>('services', svc('b', { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30082 }] }));
    const b2 = await c.client.update<Svc>('services', { ...b, spec: { ...b.spec, ports: [{ port: 81, nodePort: 30082 }] } });
    expect(b2.spec.ports?.[0]?.nodePort).toBe(30082);
    await expect(c.client.update<Svc>('services', { ...b2, spec: { ...b2.spec, ports: [{ port: 81, nodePort: 30080 }] } })).rejects.toMatchObject({ code: 422, message: expect.stringContaining('spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated') });
    await c.client.delete('services', 'default', 'a');
    await c.clock.advance(10_000); // past the hold on ports handed out but maybe not stored yet
    expect((await c.client.update<Svc>('services', { ...b2, spec: { ...b2.spec, ports: [{ port: 81, nodePort: 30080 }] } })).spec.ports?.[0]?.nodePort).toBe(30080);
  });

  it('allocates from the configured range and refuses an address outside it', async () => {
    c.registry.strategies.register('services', serviceStrategy(c.store, c.clock, '10.200.0.0/24'));
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => c.client.create<Svc>('services', svc(`r${i}`))));
    for (const s of made) expect(s.spec.clusterIP).toMatch(/^10\.200\.0\.(\d+)$/);
    expect(made.map((s) => s.spec.clusterIP)).not.toContain('10.200.0.1');
    await expect(c.client.create('services', svc('out', { clusterIP: '10.96.0.10' }))).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('provided IP is not in the valid range. The range of valid IPs is 10.200.0.0/24'),
    });
  });
});

describe('watch after a restart', () => {
  it('a resourceVersion from before the registry started is 410 Expired (as a fresh watch cache)', async () => {
    const store = new SqliteStore(':memory:');
    const first = new Registry(store, new FakeClock());
    await first.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const cm = await first.create<KubeObject>('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    await first.create('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } });
    const restarted = new Registry(store, new FakeClock());
    const events: WatchEvent[] = [];
    const w = await restarted.watch('configmaps', { resourceVersion: cm.metadata.resourceVersion }, (e) => events.push(e));
    expect(w.error).toMatchObject({ code: 410, reason: 'Expired' });
    expect(events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410 }) }]);
    const ok: WatchEvent[] = [];
    const w2 = await restarted.watch('configmaps', { resourceVersion: String(store.currentRevision()) }, (e) => ok.push(e));
    expect(w2.error).toBeUndefined();
    await restarted.create('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'z' } });
    expect(ok.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED z']);
    w2.dispose();
    store.close();
  });
});
