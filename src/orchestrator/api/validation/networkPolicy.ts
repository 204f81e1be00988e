import { parseCidr, within } from '../../util/cidr.js';
import type { KubeObject, StatusCause } from '../types.js';
import { asArr, asNum, asObj, asStr, duplicate, enumOf, invalid, required, type Obj } from './causes.js';
import { portName, portNumber } from './names.js';
import { validateLabelSelector } from './workloads.js';

const POLICY_TYPES = ['Ingress', 'Egress'];
const NP_PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/**
 * networking.k8s.io/v1 NetworkPolicy, as upstream's ValidateNetworkPolicySpec: selectors, ports
 * (number or name, `endPort` only with a number and not below it), peers (at least one of
 * podSelector/namespaceSelector/ipBlock, ipBlock alone), ipBlock CIDRs with `except` strictly inside
 * `cidr`, and policyTypes.
 */
export function validateNetworkPolicy(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec);
  if (!spec) return [required('spec')];
  const causes: StatusCause[] = [];
  causes.push(...validateLabelSelector(asObj(spec.podSelector) ?? {}, 'spec.podSelector'));
  for (const dir of ['ingress', 'egress'] as const) {
    const peerKey = dir === 'ingress' ? 'from' : 'to';
    asArr(spec[dir]).forEach((raw, i) => {
      const rule = asObj(raw) ?? {};
      asArr(rule.ports).forEach((p, j) => causes.push(...validatePort(asObj(p) ?? {}, `spec.${dir}[${i}].ports[${j}]`)));
      asArr(rule[peerKey]).forEach((p, j) => causes.push(...validatePeer(asObj(p) ?? {}, `spec.${dir}[${i}].${peerKey}[${j}]`)));
    });
  }
  const types = asArr(spec.policyTypes);
  if (types.length > 2) causes.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  const seen = new Set<unknown>();
  types.forEach((t, i) => {
    causes.push(...enumOf(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
    if (seen.has(t)) causes.push(duplicate(`spec.policyTypes[${i}]`, t));
    seen.add(t);
  });
  return causes;
}

function validatePort(p: Obj, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (p.protocol !== undefined) causes.push(...enumOf(`${at}.protocol`, p.protocol, NP_PROTOCOLS));
  const num = asNum(p.port);
  const name = asStr(p.port);
  if (num !== undefined) causes.push(...portNumber(num).map((m) => invalid(`${at}.port`, num, m)));
  else if (name !== undefined) causes.push(...portName(name).map((m) => invalid(`${at}.port`, name, m)));
  if (p.endPort !== undefined) {
    const end = asNum(p.endPort);
    if (name !== undefined) causes.push(invalid(`${at}.endPort`, p.endPort, 'may not be specified when `port` is non-numeric'));
    else if (num === undefined) causes.push(invalid(`${at}.endPort`, p.endPort, 'may not be specified when `port` is not specified'));
    else if (end === undefined || !Number.isInteger(end)) causes.push(invalid(`${at}.endPort`, p.endPort, 'must be an integer'));
    else {
      causes.push(...portNumber(end).map((m) => invalid(`${at}.endPort`, end, m)));
      if (end < num) causes.push(invalid(`${at}.endPort`, end, 'must be greater than or equal to `port`'));
    }
  }
  return causes;
}

function validatePeer(p: Obj, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const pod = asObj(p.podSelector);
  const ns = asObj(p.namespaceSelector);
  const block = asObj(p.ipBlock);
  const n = [pod, ns, block].filter(Boolean).length;
  if (n === 0) return [required(at, 'must specify a peer')];
  if (block && n > 1) causes.push(invalid(at, p, 'may not specify more than 1 peer type when ipBlock is set'));
  if (pod) causes.push(...validateLabelSelector(pod, `${at}.podSelector`));
  if (ns) causes.push(...validateLabelSelector(ns, `${at}.namespaceSelector`));
  if (block) {
    const text = asStr(block.cidr);
    if (!text) return [...causes, required(`${at}.ipBlock.cidr`)];
    let outer;
    try {
      outer = parseCidr(text);
    } catch (e) {
      return [...causes, invalid(`${at}.ipBlock.cidr`, text, e instanceof Error ? e.message : String(e))];
    }
    asArr(block.except).forEach((raw, i) => {
      const ex = asStr(raw) ?? '';
      try {
        const inner = parseCidr(ex);
        if (!within(inner, outer) || inner.prefix <= outer.prefix) causes.push(invalid(`${at}.ipBlock.except[${i}]`, ex, 'must be a strict subset of `cidr`'));
      } catch (e) {
        causes.push(invalid(`${at}.ipBlock.except[${i}]`, ex, e instanceof Error ? e.message : String(e)));
      }
    });
  }
  return causes;
}
