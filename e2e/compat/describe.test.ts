import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// kubectl describe of pods, deployments, nodes and services, with the Events the controllers and
// the agent record (Scheduled, Pulled, Created, Started, BackOff, ScalingReplicaSet, ...).
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-describe');
  await c.k.ok(['apply', '-f', c.file('web.yaml', tickDeployment('web', 1))]);
  await c.k.ok(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
  await c.k.ok(['apply', '-f', c.file('crash.yaml', `apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: local/busybox:1
    command: ["sh", "-c", "echo failing; exit 2"]
`)]);
  await eventually('a running web pod', async () => (await runningPods(c.k, 'app=web')).length === 1, 90_000);
});

afterAll(async () => {
  await c?.stop();
});

/** The rows of the Events table kubectl prints at the end of describe: [type, reason, from, message]. */
function events(out: string): string[][] {
  const at = out.lastIndexOf('\nEvents:');
  expect(at).toBeGreaterThan(0);
  return out
    .slice(at)
    .split('\n')
    .slice(3)
    .filter((l) => /^\s+(Normal|Warning)\s/.test(l))
    .map((l) => {
      const f = l.trim().split(/\s{2,}/);
      return [f[0] as string, f[1] as string, f[3] as string, f.slice(4).join('  ')];
    });
}

describe('kubectl describe', () => {
  it('pod: spec, status, conditions and the lifecycle events', async () => {
    const [pod] = await runningPods(c.k, 'app=web');
    const out = await eventually('all four lifecycle events', async () => {
      const o = await c.k.ok(['describe', 'pod', pod as string]);
      const reasons = events(o).map((e) => e[1]);
      return ['Scheduled', 'Pulled', 'Created', 'Started'].every((r) => reasons.includes(r)) && o;
    }, 30_000);
    expect(out).toMatch(new RegExp(`^Name:\\s+${pod}$`, 'm'));
    expect(out).toMatch(new RegExp(`^Node:\\s+${c.nodeName}/`, 'm'));
    expect(out).toMatch(/^Status:\s+Running$/m);
    expect(out).toMatch(/^Controlled By:\s+ReplicaSet\/web-/m);
    expect(out).toMatch(/^\s+State:\s+Running$/m);
    expect(out).toMatch(/^\s+Ready\s+True\s*$/m);
    const ev = events(out);
    expect(ev).toContainEqual(['Normal', 'Scheduled', 'default-scheduler', `Successfully assigned default/${pod} to ${c.nodeName}`]);
    expect(ev).toContainEqual(['Normal', 'Started', 'kubelet', 'Started container main']);
  });

  it('a crashing pod: restarts, last state and BackOff', async () => {
    const out = await eventually('a BackOff event', async () => {
      const o = await c.k.ok(['describe', 'pod', 'crasher']);
      return events(o).some((e) => e[1] === 'BackOff') && o;
    }, 60_000);
    expect(out).toMatch(/^\s+Last State:\s+Terminated$/m);
    expect(out).toMatch(/^\s+Exit Code:\s+2$/m);
    expect(out).toMatch(/^\s+Restart Count:\s+[1-9]/m);
    expect(events(out).find((e) => e[1] === 'BackOff')).toEqual(['Warning', 'BackOff', 'kubelet', expect.stringContaining('Back-off restarting failed container main in pod crasher_default(')]);
  });

  it('deployment: strategy, replica sets and ScalingReplicaSet events', async () => {
    await c.k.ok(['scale', 'deploy/web', '--replicas=2']);
    const out = await eventually('the scale-up event', async () => {
      const o = await c.k.ok(['describe', 'deployment', 'web']);
      return events(o).filter((e) => e[1] === 'ScalingReplicaSet').length >= 2 && o;
    }, 30_000);
    expect(out).toMatch(/^Replicas:\s+2 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable$/m);
    expect(out).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(out).toMatch(/^NewReplicaSet:\s+web-[a-z0-9]+ \(\d\/2 replicas created\)$/m);
    const scaling = events(out).filter((e) => e[1] === 'ScalingReplicaSet');
    expect(scaling[0]).toEqual(['Normal', 'ScalingReplicaSet', 'deployment-controller', expect.stringMatching(/^Scaled up replica set web-[a-z0-9]+ (from 0 )?to 1$/)]);
    expect(scaling[1]?.[3]).toMatch(/^Scaled up replica set web-[a-z0-9]+ (from 1 )?to 2$/);
  });

  it('service: type, IP, ports, selector and endpoints', async () => {
    const out = await eventually('two endpoints', async () => {
      const o = await c.k.ok(['describe', 'service', 'web']);
      return /^Endpoints:\s+\S+:8080,\S+:8080/m.test(o) && o;
    }, 60_000);
    expect(out).toMatch(/^Type:\s+ClusterIP$/m);
    expect(out).toMatch(/^IP:\s+10\.\d+\.\d+\.\d+$/m);
    expect(out).toMatch(/^Port:\s+<unset>\s+80\/TCP$/m);
    expect(out).toMatch(/^TargetPort:\s+8080\/TCP$/m);
    expect(out).toMatch(/^Selector:\s+app=web$/m);
    expect(out).toMatch(/^Events:\s+<none>$/m);
  });

  it('node: capacity, conditions, pods on it and the kubelet\'s events', async () => {
    const out = await c.k.ok(['describe', 'node', c.nodeName]);
    expect(out).toMatch(new RegExp(`^Name:\\s+${c.nodeName}$`, 'm'));
    expect(out).toMatch(/^\s+Ready\s+True\s/m);
    expect(out).toMatch(/^\s+Container Runtime Version:\s+docker:\/\//m);
    expect(out).toMatch(/^Non-terminated Pods:\s+\(\d+ in total\)$/m);
    expect(out).toMatch(/^\s+default\s+web-/m);
    const ev = events(out);
    expect(ev).toContainEqual(['Normal', 'Starting', 'kubelet', 'Starting kubelet.']);
    expect(ev).toContainEqual(['Normal', 'NodeReady', 'kubelet', `Node ${c.nodeName} status is now: NodeReady`]);
  });

  it('get events lists them with the involved object', async () => {
    const out = await c.k.ok(['get', 'events', '--field-selector', 'reason=Started', '-o', 'wide']);
    expect(out).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$/m);
    expect(out).toMatch(/Normal\s+Started\s+pod\/web-/);
  });
});
