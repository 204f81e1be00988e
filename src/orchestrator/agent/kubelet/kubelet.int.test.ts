import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/types.js';
import { Registry } from '../../apiserver/registry.js';
import { LocalClient } from '../../client/LocalClient.js';
import { SqliteStore } from '../../store/SqliteStore.js';
import { systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import type { AgentConfig } from '../config.js';
import { startAgent, type AgentHandle } from '../main.js';
import { PAUSE_IMAGE } from '../net/pauseImage.js';
import { LABELS } from '../runtime/types.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../testing/images.js';
import { eventually } from '../../testing/eventually.js';

// A node name of its own: this agent only ever sees (and removes) containers labelled with it.
const NODE = `agent-it-${randomBytes(4).toString('hex')}`;
const TOKEN = randomBytes(16).toString('hex');
const config: AgentConfig = { server: 'https://127.0.0.1:1', token: TOKEN, ca: 'unused', nodeName: NODE, kubeletPort: 0, dataDir: mkdtempSync(join(tmpdir(), 'skiff-agent-it-')), dockerSocket: '/var/run/docker.sock' };
const docker = new Docker();
const run = promisify(execFile);
const store = new SqliteStore(':memory:');
const client = new LocalClient(new Registry(store, systemClock));
let agent: AgentHandle;

// The kubelet alone: no control plane assigns a pod CIDR here, so pods use the engine's default bridge.
const start = () => startAgent(config, { client, clock: systemClock, log: silentLogger, network: false });
const getPod = () => client.get<Pod>('pods', 'default', 'web');
const ours = () => docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`] } });

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> => eventually(what, fn, ms);

/** Runs a command in a container with the docker CLI; its stdout ('' when it fails). */
async function dockerExec(id: string, cmd: string[]): Promise<string> {
  try {
    return (await run('docker', ['exec', id, ...cmd], { timeout: 10_000 })).stdout;
  } catch {
    return '';
  }
}

async function logs(query = '', token = TOKEN): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${agent.kubeletPort}/containerLogs/default/web/main${query}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  await ensureBusyboxImage();
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  agent = await start();
});
afterAll(async () => {
  await agent?.dispose();
  for (const c of await ours()) await docker.getContainer(c.Id).remove({ force: true });
  store.close();
});

describe('agent on the real Docker engine', () => {
  it('registers its Node', async () => {
    // The Node is created first and its status written by the first heartbeat right after.
    const node = await waitFor('node with its status', async () => {
      const n = await client.get<Node>('nodes', undefined, NODE);
      return n.status?.nodeInfo?.containerRuntimeVersion ? n : undefined;
    });
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^docker:\/\/\d+\./);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(Number(node.status?.capacity?.cpu)).toBeGreaterThan(0);
  });

  it('runs a pod: containers with env, limits and labels, sharing the network; pod Running with its IP', async () => {
    await client.create<Pod>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: BUSYBOX_IMAGE,
            command: ['sh', '-c'],
            // httpd (daemonized, silent) answers on the pod's localhost for the other container.
            args: ['mkdir -p /www; echo pod-local > /www/index.html; httpd -p 8080 -h /www; echo "hello $GREETING"; i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done'],
            env: [{ name: 'GREETING', value: 'world' }],
            resources: { limits: { cpu: '200m', memory: '32Mi' } },
            ports: [{ containerPort: 8080 }],
          },
          { name: 'side', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] },
        ],
      },
    });
    const pod = await waitFor('pod Running', async () => {
      const p = await getPod();
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    const byName = new Map((await ours()).map((c) => [c.Labels[LABELS.containerName] ?? 'sandbox', c.Id]));
    const main = await docker.getContainer(byName.get('main')!).inspect();
    const side = await docker.getContainer(byName.get('side')!).inspect();
    const sandbox = await docker.getContainer(byName.get('sandbox')!).inspect();
    expect(main.Config.Env).toContain('GREETING=world');
    expect(main.HostConfig.NanoCpus).toBe(200_000_000);
    expect(main.HostConfig.Memory).toBe(32 * 1024 * 1024);
    expect(main.Config.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.podUid]: pod.metadata.uid, [LABELS.podName]: 'web', [LABELS.containerName]: 'main' });
    // Both containers live in the pod's sandbox, which holds the pod IP and the hostname.
    expect(sandbox.Config.Image).toBe(PAUSE_IMAGE);
    expect(sandbox.Config.Hostname).toBe('web');
    expect(sandbox.Config.Labels).toMatchObject({ [LABELS.sandbox]: 'true', [LABELS.podUid]: pod.metadata.uid });
    expect(main.HostConfig.NetworkMode).toBe(`container:${sandbox.Id}`);
    expect(side.HostConfig.NetworkMode).toBe(`container:${sandbox.Id}`);
    expect(pod.status!.podIP).toBe(Object.values(sandbox.NetworkSettings.Networks)[0]?.IPAddress);
    expect(await waitFor('localhost between containers', async () => (await dockerExec(side.Id, ['wget', '-qO-', 'http://127.0.0.1:8080/'])).trim() || undefined)).toBe('pod-local');
    expect((await dockerExec(side.Id, ['hostname'])).trim()).toBe('web');
    expect(pod.status!.containerStatuses!.map((c) => [c.name, c.ready, c.containerID])).toEqual([
      ['main', true, `docker://${main.Id}`],
      ['side', true, `docker://${side.Id}`],
    ]);
  });

  it('serves the container logs over the kubelet API', async () => {
    const r = await waitFor('logs', async () => {
      const l = await logs();
      return l.body.includes('tick 1') ? l : undefined;
    });
    expect(r.status).toBe(200);
    expect(r.body.startsWith('hello world\ntick 0\n')).toBe(true);
    expect((await logs('', 'wrong')).status).toBe(401);
    expect((await logs('?tailLines=1')).body).toMatch(/^tick \d+\n$/);
  });

  it('follows the logs as the container writes them', async () => {
    const ctl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${agent.kubeletPort}/containerLogs/default/web/main?follow=true&tailLines=1`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: ctl.signal });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/tick/g) ?? []).length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    ctl.abort();
    const ticks = [...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    expect(ticks).toHaveLength(3);
    expect(ticks[1]).toBe(ticks[0]! + 1);
    expect(ticks[2]).toBe(ticks[0]! + 2);
  });

  it('restarts a container killed with docker kill (restartCount 1)', async () => {
    const ipBefore = (await getPod()).status!.podIP;
    const before = (await getPod()).status!.containerStatuses![0]!.containerID!.replace('docker://', '');
    await docker.getContainer(before).kill();
    const cs = await waitFor('restart', async () => {
      const c = (await getPod()).status?.containerStatuses?.[0];
      return c?.restartCount === 1 && c.state.running ? c : undefined;
    });
    expect(cs.containerID).not.toBe(`docker://${before}`);
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 137, containerID: `docker://${before}` });
    // The pod kept its IP, and the other container its network: it reaches the new run on localhost.
    expect((await getPod()).status!.podIP).toBe(ipBefore);
    const side = (await getPod()).status!.containerStatuses![1]!;
    expect(side.restartCount).toBe(0);
    expect(await waitFor('localhost after the restart', async () => (await dockerExec(side.containerID!.replace('docker://', ''), ['wget', '-qO-', 'http://127.0.0.1:8080/'])).trim() || undefined)).toBe('pod-local');
    const prev = await logs('?previous=true');
    expect(prev.body.startsWith('hello world\n')).toBe(true);
    const events = await client.list('events', { namespace: 'default' });
    const reasons = events.items.map((e) => (e as { reason?: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['Pulled', 'Created', 'Started']));
  });

  it('adopts running containers after an agent restart (same ids, same restart count)', async () => {
    const running = async () => (await ours()).filter((c) => c.State === 'running').map((c) => c.Id).sort();
    const before = await running();
    const all = (await ours()).length;
    await agent.dispose();
    agent = await start();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await running()).toEqual(before);
    expect((await ours()).length).toBe(all);
    const pod = await getPod();
    expect(pod.status!.containerStatuses!.map((c) => c.restartCount)).toEqual([1, 0]);
    expect(pod.status!.phase).toBe('Running');
    expect((await logs('?tailLines=1')).status).toBe(200);
  });

  it('replaces a sandbox killed with docker kill: a new one, both containers restarted in it, the old one removed', async () => {
    const sandboxes = async () => (await ours()).filter((c) => c.Labels[LABELS.sandbox] === 'true');
    const [old] = await sandboxes();
    await docker.getContainer(old!.Id).kill();
    const pod = await waitFor('containers restarted in a new sandbox', async () => {
      const p = await getPod();
      const counts = p.status?.containerStatuses?.map((c) => (c.state.running ? c.restartCount : -1));
      return JSON.stringify(counts) === '[2,1]' ? p : undefined;
    });
    const now = await waitFor('the old sandbox removed', async () => {
      const list = await sandboxes();
      return list.length === 1 && list[0]!.Id !== old!.Id ? list[0] : undefined;
    });
    const details = await docker.getContainer(now.Id).inspect();
    expect(pod.status!.podIP).toBe(Object.values(details.NetworkSettings.Networks)[0]?.IPAddress);
    for (const c of pod.status!.containerStatuses!) {
      expect((await docker.getContainer(c.containerID!.replace('docker://', '')).inspect()).HostConfig.NetworkMode).toBe(`container:${now.Id}`);
    }
  });

  it('deletes a pod: containers stopped and removed, then the pod is gone', async () => {
    await client.delete('pods', 'default', 'web');
    await waitFor('pod gone', async () => {
      try {
        await getPod();
        return false;
      } catch (e) {
        return (e as { code?: number }).code === 404;
      }
    });
    expect(await ours()).toHaveLength(0);
  });
});
