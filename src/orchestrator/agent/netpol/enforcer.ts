import { ADDRESS_GROUP_API, ADDRESS_GROUP_SPAN_FIELD, type AddressGroup } from '../../api/addressGroup.js';
import type { KubeObject, Pod } from '../../api/types.js';
import { Informer } from '../../client/Informer.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Rule } from '../hostnet/types.js';
import type { Recorder } from '../kubelet/types.js';
import type { RuleSource } from '../net/ruleSource.js';
import { buildNetPolRules } from './rules.js';
import type { NetworkPolicy } from './types.js';

export interface NetPolDeps {
  client: Client;
  clock: Clock;
  log: Logger;
  /** Warning events on a NetworkPolicy that asks for what cannot be enforced as written. */
  recorder: Recorder;
  nodeName: string;
}

/**
 * The node's NetworkPolicy enforcer, a {@link RuleSource} of the node's network loop: informers on
 * NetworkPolicies, the policies' AddressGroups (the control plane resolves selector peers to pod
 * IPs, wherever they run) and this node's own Pods (`spec.nodeName=<node>`, all the Node
 * authorizer lets a node list), and `buildNetPolRules` for them. Pods change often (status,
 * probes); only the facts the rules read (labels, IP, phase, ports) kick a sync.
 */
export class NetPolEnforcer implements RuleSource {
  readonly policies: Informer<NetworkPolicy>;
  readonly pods: Informer<Pod>;
  readonly groups: Informer<AddressGroup>;
  private readonly log: Logger;
  private readonly warned = new Map<string, string>();
  private lastIsolated = '';

  constructor(private readonly d: NetPolDeps) {
    this.log = d.log.child({ component: 'netpol' });
    this.policies = new Informer<NetworkPolicy>(d.client, 'networkpolicies', d.clock, this.log);
    this.pods = new Informer<Pod>(d.client, 'pods', d.clock, this.log, { fieldSelector: `spec.nodeName=${d.nodeName}` });
    this.groups = new Informer<AddressGroup>(d.client, ADDRESS_GROUP_API.resource, d.clock, this.log, { fieldSelector: `${ADDRESS_GROUP_SPAN_FIELD}=${d.nodeName}` });
  }

  start(kick: () => void): void {
    this.policies.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
    this.pods.addHandlers({ onAdd: kick, onDelete: kick, onUpdate: (o, n) => void (podFacts(o) !== podFacts(n) && kick()) });
    this.groups.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
    for (const inf of this.informers()) inf.start();
  }

  stop(): void {
    for (const inf of this.informers()) inf.stop();
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.informers().map((i) => i.waitForSync()));
  }

  rules(): Rule[] {
    const policies = this.policies.list();
    const out = buildNetPolRules({ node: this.d.nodeName, policies, pods: this.pods.list(), groups: this.groups.list() });
    for (const w of out.warnings) {
      const [ns, name] = w.policy.split('/');
      const policy = policies.find((p) => p.metadata.namespace === ns && p.metadata.name === name);
      if (policy && this.warned.get(`${w.policy}\n${w.message}`) === undefined) {
        this.warned.set(`${w.policy}\n${w.message}`, w.message);
        this.d.recorder.record(policy, 'Warning', 'NotSupported', w.message);
      }
    }
    const isolated = JSON.stringify(out.isolated);
    if (isolated !== this.lastIsolated) {
      this.lastIsolated = isolated;
      this.log.info('network policies', { isolatedForIngress: out.isolated.ingress.length, isolatedForEgress: out.isolated.egress.length, rules: out.rules.length });
    }
    return out.rules;
  }

  private informers(): Informer<KubeObject>[] {
    return [this.policies, this.pods, this.groups] as Informer<KubeObject>[];
  }
}

/** What the rules read of a pod. */
function podFacts(p: Pod): string {
  const ports = [...(p.spec.containers ?? []), ...(p.spec.initContainers ?? [])].map((c) => c.ports ?? []);
  return JSON.stringify([p.metadata.labels ?? {}, p.status?.podIP, p.status?.phase, p.spec.hostNetwork, ports]);
}
