import { createServer, type Server } from 'node:net';
import type { Node } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import { isoTime } from '../../util/clock.js';

/**
 * Integration-test stand-ins for the two ends the host controller connects, used where the real API
 * server and agent are not the subject. `STUB_AGENT` is pushed and started like the real bundle: it
 * records the config it was given, says hello through the tunnel once a second (its heartbeat), and
 * answers on its kubelet port. `startFakeApi` plays the API server at the tunnel's far end: each hello
 * registers or heartbeats the Node, as the real agent's status writes would.
 */
export const STUB_AGENT = `
if (process.argv[2] === 'cleanup-network') {
  console.log('stub agent: no network to clean');
  process.exit(0);
}
const fs = require('fs');
const net = require('net');
const cfg = JSON.parse(fs.readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8'));
fs.writeFileSync(cfg.dataDir + '/stub-started.json', JSON.stringify({ pid: process.pid, argv: process.argv, config: cfg }));
const port = Number(new URL(cfg.server).port);
function hello() {
  const s = net.connect(port, '127.0.0.1', () => s.write('hello ' + cfg.nodeName + ' ' + cfg.token + '\\n'));
  s.on('error', () => {});
  s.on('data', () => s.end());
}
hello();
setInterval(hello, 1000);
net.createServer((c) => c.end('kubelet ' + cfg.nodeName + '\\n')).listen(cfg.kubeletPort, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

export interface FakeApi {
  port: number;
  /** Tokens each node presented, in order. */
  hellos: Map<string, string[]>;
  /** Nodes whose heartbeats report Ready=False (an agent that runs but is not healthy). */
  notReady: Set<string>;
  close(): Promise<void>;
}

export async function startFakeApi(client: Client): Promise<FakeApi> {
  const hellos = new Map<string, string[]>();
  const notReady = new Set<string>();
  const server: Server = createServer((sock) => {
    let buf = '';
    sock.on('error', () => {});
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /^hello (\S+) (\S+)\n/.exec(buf);
      if (!m) return;
      const [, node, token] = m as unknown as [string, string, string];
      hellos.set(node, [...(hellos.get(node) ?? []), token]);
      void heartbeat(client, node, !notReady.has(node)).finally(() => sock.end('welcome\n'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { port, hellos, notReady, close: () => new Promise((r) => server.close(() => r())) };
}

async function heartbeat(client: Client, nodeName: string, ready: boolean): Promise<void> {
  const now = isoTime(Date.now());
  const status = {
    conditions: [
      ready
        ? { type: 'Ready', status: 'True' as const, reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }
        : { type: 'Ready', status: 'False' as const, reason: 'KubeletNotReady', message: 'held NotReady by the test', lastHeartbeatTime: now, lastTransitionTime: now },
    ],
  };
  try {
    const node = await client.get<Node>('nodes', undefined, nodeName);
    await client.updateStatus<Node>('nodes', { ...node, status: { ...node.status, ...status } });
  } catch {
    await client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName }, status }).catch(() => {});
  }
}
