import { ingressTlsSecrets, servesIngress, type Ingress, type IngressClass } from '../../api/ingress.js';
import type { Disposable } from '../../util/disposable.js';
import { podRefs, pvRefs, type PodRefs } from './podRefs.js';
import type { ObjectReader } from '../objects.js';

/** The kinds of object a node may reach through its pods. */
export type VertexType = 'pod' | 'secret' | 'configmap' | 'pvc' | 'pv' | 'serviceaccount' | 'resourceclaim';

const REF_TYPES: Record<keyof PodRefs, VertexType> = { secrets: 'secret', configmaps: 'configmap', pvcs: 'pvc', serviceaccounts: 'serviceaccount', resourceclaims: 'resourceclaim' };

/**
 * The Node authorizer's graph (plugin/pkg/auth/authorizer/node/graph.go), kept as indexes: each pod
 * bound to a node, the objects it references (secrets, config maps, claims, its service account,
 * resource claims), and each persistent volume's claim and secrets. A node reaches an object when a
 * pod bound to it references the object, or (PVs and their secrets) a claim such a pod uses. Fed
 * from the watch cache (pods, persistent volumes, ingresses), so a binding is visible before the write that
 * made it returns.
 */
export class NodeGraph implements Disposable {
  /** `ns/name` -> the pod's node and references. Only pods with `spec.nodeName`. */
  private readonly pods = new Map<string, { node: string; refs: PodRefs }>();
  /** `type/ns/name` -> pods (`ns/name`) referencing it. */
  private readonly referrers = new Map<string, Set<string>>();
  /** PV name -> its claim and secrets; and the reverse indexes. */
  private readonly pvs = new Map<string, { claim?: string; secrets: string[] }>();
  private readonly pvsByClaim = new Map<string, Set<string>>();
  private readonly pvsBySecret = new Map<string, Set<string>>();
  /**
   * Ingresses naming TLS Secrets (`ns/name` -> the Secret names), and every IngressClass: every
   * node runs the built-in ingress controller, so each may read the TLS Secrets of the Ingresses
   * that controller serves (and no others).
   */
  private readonly ingressTls = new Map<string, { ingress: Ingress; secrets: string[] }>();
  private readonly ingressesBySecret = new Map<string, Set<string>>();
  private readonly ingressClasses = new Map<string, IngressClass>();
  private readonly subs: Disposable[] = [];

  static async create(objects: ObjectReader): Promise<NodeGraph> {
    const g = new NodeGraph();
    g.subs.push(await objects.follow('/registry/pods/', (k, v) => g.addPod(k.slice('/registry/pods/'.length), v), (k) => g.deletePod(k.slice('/registry/pods/'.length))));
    g.subs.push(
      await objects.follow('/registry/persistentvolumes/', (k, v) => g.addPV(k.slice('/registry/persistentvolumes/'.length), v), (k) => g.deletePV(k.slice('/registry/persistentvolumes/'.length))),
    );
    g.subs.push(await objects.follow('/registry/ingresses/', (k, v) => g.addIngress(k.slice('/registry/ingresses/'.length), v), (k) => g.deleteIngress(k.slice('/registry/ingresses/'.length))));
    g.subs.push(
      await objects.follow('/registry/ingressclasses/', (k, v) => g.addIngressClass(k.slice('/registry/ingressclasses/'.length), v), (k) => g.ingressClasses.delete(k.slice('/registry/ingressclasses/'.length))),
    );
    return g;
  }

  /** Adds or replaces an Ingress (`ns/name`) with the TLS Secrets it names. */
  addIngress(key: string, ing: unknown): void {
    this.deleteIngress(key);
    const i = ing as Ingress;
    if (!i?.metadata) return;
    const secrets = ingressTlsSecrets(i);
    if (!secrets.length) return;
    const ns = key.slice(0, key.indexOf('/'));
    this.ingressTls.set(key, { ingress: i, secrets });
    for (const s of secrets) index(this.ingressesBySecret, `${ns}/${s}`).add(key);
  }

  deleteIngress(key: string): void {
    const have = this.ingressTls.get(key);
    if (!have) return;
    this.ingressTls.delete(key);
    const ns = key.slice(0, key.indexOf('/'));
    for (const s of have.secrets) unindex(this.ingressesBySecret, `${ns}/${s}`, key);
  }

  addIngressClass(name: string, c: unknown): void {
    this.ingressClasses.set(name, c as IngressClass);
  }

  /** A TLS Secret of an Ingress the built-in controller serves (every node proxies those). */
  private ingressTlsSecret(namespace: string, name: string): boolean {
    const classes = [...this.ingressClasses.values()];
    for (const k of this.ingressesBySecret.get(`${namespace}/${name}`) ?? []) {
      const i = this.ingressTls.get(k);
      if (i && servesIngress(i.ingress, classes)) return true;
    }
    return false;
  }

  /** Adds or replaces a pod (`ns/name`); a pod not bound to a node is not in the graph. */
  addPod(key: string, pod: unknown): void {
    this.deletePod(key);
    const node = (pod as { spec?: { nodeName?: unknown } })?.spec?.nodeName;
    if (typeof node !== 'string' || !node) return;
    const ns = key.slice(0, key.indexOf('/'));
    const refs = podRefs(pod);
    this.pods.set(key, { node, refs });
    for (const [field, type] of Object.entries(REF_TYPES) as [keyof PodRefs, VertexType][]) {
      for (const name of refs[field]) index(this.referrers, `${type}/${ns}/${name}`).add(key);
    }
  }

  deletePod(key: string): void {
    const p = this.pods.get(key);
    if (!p) return;
    this.pods.delete(key);
    const ns = key.slice(0, key.indexOf('/'));
    for (const [field, type] of Object.entries(REF_TYPES) as [keyof PodRefs, VertexType][]) {
      for (const name of p.refs[field]) unindex(this.referrers, `${type}/${ns}/${name}`, key);
    }
  }

  addPV(name: string, pv: unknown): void {
    this.deletePV(name);
    const refs = pvRefs(pv);
    if (!refs.claim) return;
    this.pvs.set(name, refs);
    index(this.pvsByClaim, refs.claim).add(name);
    for (const s of refs.secrets) index(this.pvsBySecret, s).add(name);
  }

  deletePV(name: string): void {
    const pv = this.pvs.get(name);
    if (!pv) return;
    this.pvs.delete(name);
    if (pv.claim) unindex(this.pvsByClaim, pv.claim, name);
    for (const s of pv.secrets) unindex(this.pvsBySecret, s, name);
  }

  /** The node a pod is bound to, if the graph knows the pod. */
  podNode(namespace: string, name: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.node;
  }

  /** The service account of a pod bound to a node. */
  podServiceAccount(namespace: string, name: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.refs.serviceaccounts[0];
  }

  private usedOnNode(type: VertexType, namespace: string, name: string, node: string): boolean {
    for (const pod of this.referrers.get(`${type}/${namespace}/${name}`) ?? []) if (this.pods.get(pod)?.node === node) return true;
    return false;
  }

  private pvOnNode(pv: string, node: string): boolean {
    const claim = this.pvs.get(pv)?.claim;
    if (!claim) return false;
    const slash = claim.indexOf('/');
    return this.usedOnNode('pvc', claim.slice(0, slash), claim.slice(slash + 1), node);
  }

  /** Whether `node` reaches the object: node <- pod <- object, or node <- pod <- pvc <- pv (<- secret). */
  hasPathFrom(node: string, type: VertexType, namespace: string, name: string): boolean {
    switch (type) {
      case 'pod':
        return this.podNode(namespace, name) === node;
      case 'pv':
        return this.pvOnNode(name, node);
      case 'secret':
        if (this.usedOnNode('secret', namespace, name, node)) return true;
        for (const pv of this.pvsBySecret.get(`${namespace}/${name}`) ?? []) if (this.pvOnNode(pv, node)) return true;
        return this.ingressTlsSecret(namespace, name);
      default:
        return this.usedOnNode(type, namespace, name, node);
    }
  }

  dispose(): void {
    for (const s of this.subs.splice(0)) s.dispose();
  }
}

function index(m: Map<string, Set<string>>, key: string): Set<string> {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  return s;
}

function unindex(m: Map<string, Set<string>>, key: string, v: string): void {
  const s = m.get(key);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(key);
}
