// Cluster DNS figures, printed by `npm run bench -- dns`: lookup latency p50/p99 from inside a pod
// (its network namespace; through the kube-dns cluster IP and the node's service rules to the
// agent's DNS server) for a cluster name and for a name forwarded upstream. One node: this machine's
// Docker engine (needs root: the host component runs in-process). The upstream is a resolver the
// bench runs on this machine answering at once, so the forwarded figure is Skiff's own cost.
import Docker from 'dockerode';
import * as packet from 'dns-packet';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { clusterDNSIP } from '../src/orchestrator/api/clusterNetwork.js';
import { LABELS } from '../src/orchestrator/agent/runtime/types.js';
import { startCompatCluster } from '../e2e/compat/cluster.js';

const COUNT = Number(process.env.BENCH_DNS_COUNT ?? 2000);
const LOAD = resolve('bench/dnsload.mjs');

interface Result {
  count: number;
  errors: number;
  p50: number;
  p99: number;
}

function inNetns(pid: number, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const c = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, LOAD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => (code === 0 ? ok(out.trim()) : fail(new Error(`dnsload exited ${code}: ${err}`))));
  });
}

export async function benchDns(): Promise<void> {
  console.log('\nCluster DNS lookups from a pod (one node, this machine\'s Docker engine)');
  if (process.getuid?.() !== 0) {
    console.log('  SKIPPED: needs root (the host component, nsenter into the pod); run npm run bench as root');
    return;
  }
  const upstream = createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = packet.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    upstream.send(packet.encode({ type: 'response', id: q.id ?? 0, flags: packet.RECURSION_AVAILABLE, questions: q.questions ?? [], answers: [{ name, type: 'A', class: 'IN', ttl: 300, data: '192.0.2.7' }] }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  const c = await startCompatCluster('bench-dns', { dnsUpstreams: [`127.0.0.1:${upstream.address().port}`] });
  try {
    await c.k.ok(['run', 'dns-client', '--image=local/busybox:1', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600']);
    await c.k.ok(['create', 'service', 'clusterip', 'backend', '--tcp=80:8080']);
    await c.phase('dns-client');
    const docker = new Docker();
    const [sandbox] = await docker.listContainers({ filters: { label: [`${LABELS.podName}=dns-client`, `${LABELS.sandbox}=true`, `${LABELS.node}=${c.nodeName}`] } });
    if (!sandbox) throw new Error('the pod\'s sandbox container is not running');
    const pid = (await docker.getContainer(sandbox.Id).inspect()).State.Pid;
    const server = clusterDNSIP(c.network.serviceCIDR);
    const names: [string, string][] = [
      ['cluster name (backend.default.svc.cluster.local)', 'backend.default.svc.cluster.local'],
      ['forwarded name (www.example.test)', 'www.example.test'],
    ];
    console.log(`  ${COUNT} sequential UDP queries each, to ${server}:53 from the pod's network namespace`);
    for (const [label, name] of names) {
      await inNetns(pid, [server, name, '50']); // warm up (conntrack, the zone's first build)
      const r = JSON.parse(await inNetns(pid, [server, name, String(COUNT)])) as Result;
      console.log(`  ${label.padEnd(50)} p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   answered ${r.count}   errors ${r.errors}`);
    }
  } finally {
    await c.stop();
    upstream.close();
  }
}
