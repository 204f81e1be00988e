import { isNotFound } from '../../api/errors.js';
import type { Container, Pod } from '../../api/types.js';
import { envVarName } from '../../api/validation/names.js';
import { ContainerConfigError, fieldRefValue, resourceFieldValue, type PodContext, type ResourceFieldRef } from './downward.js';
import { expand, lookupIn } from './expansion.js';
import type { DataObject, RefKind } from './objectCache.js';

/** Reads the ConfigMaps and Secrets a pod references (the kubelet's `ObjectCache`). */
export interface ObjectSource {
  get(kind: RefKind, namespace: string, name: string): Promise<DataObject>;
}

interface KeyRef {
  name?: string;
  key?: string;
  optional?: boolean;
}
interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}
interface EnvSource {
  fieldRef?: { fieldPath?: string };
  resourceFieldRef?: ResourceFieldRef;
  configMapKeyRef?: KeyRef;
  secretKeyRef?: KeyRef;
}

export interface EnvContext extends PodContext {
  objects: ObjectSource;
  /** Kubernetes service variables (`enableServiceLinks`); explicit variables win over them. */
  serviceEnv?: ReadonlyMap<string, string>;
  /** Called with a kubelet warning (`InvalidEnvironmentVariableNames`) to record as an event. */
  warn?(reason: string, message: string): void;
}

/** The container's environment in order, and as a map for `$(VAR)` expansion. */
export interface ContainerEnv {
  list: string[];
  vars: Map<string, string>;
}

/** A Secret's value as text (`data` is base64; `stringData` only ever appears in requests). */
function secretValue(s: DataObject, key: string): string | undefined {
  const b64 = s.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

async function fetchRef(objects: ObjectSource, kind: RefKind, ns: string, name: string, optional: boolean): Promise<DataObject | undefined> {
  try {
    return await objects.get(kind, ns, name);
  } catch (e) {
    if (isNotFound(e) && optional) return undefined;
    throw new ContainerConfigError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * The kubelet's `makeEnvironmentVariables`: `envFrom` first (with `prefix`; keys that are not valid
 * names are skipped with an event), then `env` in order, each literal value `$(VAR)`-expanded
 * against what came before and the service variables, each `valueFrom` resolved (ConfigMap and
 * Secret keys, pod fields, resources). A missing object or key that is not optional throws a
 * `ContainerConfigError` with the kubelet's message (`configmap "x" not found`,
 * `couldn't find key k in ConfigMap ns/x`).
 */
export async function containerEnv(pod: Pod, c: Container, ctx: EnvContext): Promise<ContainerEnv> {
  const ns = pod.metadata.namespace ?? 'default';
  const vars = new Map<string, string>();
  const service = ctx.serviceEnv ?? new Map<string, string>();
  for (const raw of (c.envFrom as EnvFromSource[] | undefined) ?? []) {
    const ref = raw.configMapRef ?? raw.secretRef;
    if (!ref?.name) continue;
    const kind: RefKind = raw.configMapRef ? 'configmaps' : 'secrets';
    const obj = await fetchRef(ctx.objects, kind, ns, ref.name, ref.optional === true);
    if (!obj) continue;
    const invalid: string[] = [];
    for (const k of Object.keys(obj.data ?? {})) {
      const name = (raw.prefix ?? '') + k;
      if (name === '' || envVarName(name).length) {
        invalid.push(name);
        continue;
      }
      vars.set(name, kind === 'secrets' ? (secretValue(obj, k) ?? '') : (obj.data?.[k] ?? ''));
    }
    if (invalid.length) {
      const what = kind === 'configmaps' ? 'configMap' : 'secret';
      ctx.warn?.('InvalidEnvironmentVariableNames', `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${what} ${ns}/${ref.name} were skipped since they are considered invalid environment variable names.`);
    }
  }
  for (const e of c.env ?? []) {
    const from = e.valueFrom as EnvSource | undefined;
    if (!from) {
      vars.set(e.name, expand(e.value ?? '', lookupIn(vars, service)));
      continue;
    }
    const v = await valueFrom(pod, c, from, ns, ctx);
    if (v !== undefined) vars.set(e.name, v);
  }
  for (const [k, v] of service) if (!vars.has(k)) vars.set(k, v);
  return { list: [...vars].map(([k, v]) => `${k}=${v}`), vars };
}

async function valueFrom(pod: Pod, c: Container, from: EnvSource, ns: string, ctx: EnvContext): Promise<string | undefined> {
  if (from.fieldRef?.fieldPath) return fieldRefValue(pod, from.fieldRef.fieldPath, ctx);
  if (from.resourceFieldRef) return resourceFieldValue(pod, from.resourceFieldRef, c, ctx);
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
  if (!keyRef?.name) return undefined;
  const kind: RefKind = from.configMapKeyRef ? 'configmaps' : 'secrets';
  const optional = keyRef.optional === true;
  const obj = await fetchRef(ctx.objects, kind, ns, keyRef.name, optional);
  if (!obj) return undefined;
  const key = keyRef.key ?? '';
  const v = kind === 'secrets' ? secretValue(obj, key) : obj.data?.[key];
  if (v !== undefined) return v;
  if (optional) return undefined;
  throw new ContainerConfigError(`couldn't find key ${key} in ${kind === 'configmaps' ? 'ConfigMap' : 'Secret'} ${ns}/${keyRef.name}`);
}

/** `command` and `args` with `$(VAR)` expanded against the container's environment. */
export function expandCommand(c: Container, env: ContainerEnv): { command?: string[]; args?: string[] } {
  const f = (s: string) => expand(s, lookupIn(env.vars));
  return { ...(c.command ? { command: c.command.map(f) } : {}), ...(c.args ? { args: c.args.map(f) } : {}) };
}
