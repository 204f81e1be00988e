import { ADDRESS_GROUP_API, groupSpan, hasPodIP, namespaceLabels, peerSelects, resolveAddressGroup, selectorPeers, selects, type AddressGroup, type CompiledPeer } from '../api/addressGroup.js';
import { isNotFound } from '../api/errors.js';
import type { NetworkPolicy } from '../api/networkPolicy.js';
import { canonicalJson, deepEqual, newControllerRef } from '../api/podutil.js';
import type { Namespace, Pod } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'address-group-controller';

/**
 * Publishes, for every NetworkPolicy, an AddressGroup of the same namespace and name (owned by the
 * policy) holding the pod IPs each of its podSelector / namespaceSelector peers selects, and for
 * egress named ports the port numbers on those pods (api/addressGroup.ts), as Antrea's controller
 * computes AddressGroups. Each node's enforcer reads these instead of every pod of the cluster,
 * and only those it needs: a group's `span` lists the nodes running a pod the policy applies to,
 * and a node may list and watch only the groups whose span names it (the Node authorizer).
 *
 * The key is the policy (`ns/name`). A pod event (added, deleted; labels, IP, phase, node or ports
 * changed) enqueues only the policies whose peers select the pod, or that apply to it (the span),
 * before or after; a namespace's
 * labels changing enqueues the policies with a namespaceSelector peer. The queue coalesces a
 * burst of events for one policy into one reconcile, and a reconcile writes only when the
 * resolved peers differ from the stored group: one write per policy per burst at most.
 * Only this controller writes AddressGroups (the kind's strategy refuses everyone else); a group
 * changed or deleted by hand is written again.
 */
export function startAddressGroupController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const policies = informers.get<NetworkPolicy>('networkpolicies');
  const pods = informers.get<Pod>('pods');
  const namespaces = informers.get<Namespace>('namespaces');
  const groups = informers.get<AddressGroup>(ADDRESS_GROUP_API.resource);
  const { group, version, kind, resource } = ADDRESS_GROUP_API;

  const reconcile = async (key: string): Promise<void> => {
    const policy = policies.get(key);
    const current = groups.get(key);
    const [ns, name] = splitKey(key);
    if (!policy || policy.metadata.deletionTimestamp) {
      // The garbage collector would remove it too (owner reference); at once is better for the nodes.
      if (!current) return;
      try {
        await client.delete(resource, ns, name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return;
    }
    const all = pods.list();
    const peers = resolveAddressGroup(policy, all, namespaces.list(), compiled(policy));
    const span = groupSpan(policy, all);
    const owner = newControllerRef(policy);
    const same = current && canonicalJson(current.peers ?? []) === canonicalJson(peers) && canonicalJson(current.span ?? []) === canonicalJson(span);
    if (same && current.metadata.ownerReferences?.some((r) => r.uid === owner.uid)) return;
    const desired: AddressGroup = {
      apiVersion: `${group}/${version}`,
      kind,
      metadata: { namespace: ns, name, ownerReferences: [owner], ...(current ? { resourceVersion: current.metadata.resourceVersion } : {}) },
      peers,
      span,
    };
    if (current && current.metadata.ownerReferences?.some((r) => r.uid === owner.uid)) await client.update(resource, desired);
    else if (current) {
      // A group left by a policy of the same name that was deleted and created again: replace it.
      await client.delete(resource, ns, name);
      await client.create(resource, { ...desired, metadata: { namespace: ns, name, ownerReferences: [owner] } });
    } else await client.create(resource, desired);
    log.debug('address group written', { policy: key, peers: peers.length, addresses: peers.reduce((n, p) => n + p.addresses.length, 0), span: span.length });
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, workers: 2, ready: informers.waitForSync(['networkpolicies', 'pods', 'namespaces', resource]) });
  const enqueue = (o: { metadata: { namespace?: string; name?: string } }) => loop.enqueue(`${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`);

  /** Each policy's peers, parsed once per version of the policy (pod events test every policy). */
  const cache = new Map<string, { rv: string | undefined; peers: CompiledPeer[] }>();
  const compiled = (policy: NetworkPolicy): CompiledPeer[] => {
    const k = `${policy.metadata.namespace ?? ''}/${policy.metadata.name ?? ''}`;
    const hit = cache.get(k);
    if (hit && hit.rv === policy.metadata.resourceVersion) return hit.peers;
    const peers = selectorPeers(policy);
    cache.set(k, { rv: policy.metadata.resourceVersion, peers });
    return peers;
  };
  /** The policies one of whose peers selects one of these pods, or that apply to one of them on a node (as it was, as it is). */
  const policiesSelecting = (...ps: Pod[]) => {
    // Before the first lists are in, every policy is queued anyway (its add) and reconciles only once they are.
    if (!pods.hasSynced() || !policies.hasSynced() || !namespaces.hasSynced()) return;
    const candidates = ps.filter(hasPodIP);
    const placed = ps.filter((p) => p.spec.nodeName);
    if (!candidates.length && !placed.length) return;
    const labels = namespaceLabels(namespaces.list());
    for (const policy of policies.list()) {
      const ns = policy.metadata.namespace ?? '';
      const applies = placed.some((p) => (p.metadata.namespace ?? '') === ns && selects(policy.spec?.podSelector ?? {}, p.metadata.labels));
      if (applies || compiled(policy).some((c) => candidates.some((p) => peerSelects(c, p, labels)))) enqueue(policy);
    }
  };

  policies.addHandlers({
    onAdd: enqueue,
    onUpdate: (_o, n) => enqueue(n),
    onDelete: (p) => {
      cache.delete(`${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`);
      enqueue(p);
    },
  });
  groups.addHandlers({ onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
  pods.addHandlers({
    onAdd: (p) => policiesSelecting(p),
    onDelete: (p) => policiesSelecting(p),
    onUpdate: (o, n) => void (!deepEqual(podFacts(o), podFacts(n)) && policiesSelecting(o, n)),
  });
  namespaces.addHandlers({
    onAdd: () => namespacePeers(),
    onDelete: () => namespacePeers(),
    onUpdate: (o, n) => void (!deepEqual(o.metadata.labels ?? {}, n.metadata.labels ?? {}) && namespacePeers()),
  });
  /** A namespace's labels decide which pods namespaceSelector peers select. */
  const namespacePeers = () => {
    for (const policy of policies.list()) if (compiled(policy).some((c) => c.namespaces)) enqueue(policy);
  };
  return loop;
}

/** What a group reads of a pod (compared with deepEqual on every pod update). */
function podFacts(p: Pod): unknown[] {
  const ports = [...(p.spec.containers ?? []), ...(p.spec.initContainers ?? [])].map((c) => c.ports ?? []);
  return [p.metadata.labels ?? {}, p.status?.podIP, p.status?.phase, p.spec.hostNetwork, p.spec.nodeName, ports];
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
