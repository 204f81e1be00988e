import { hpaFromV1, hpaToV1 } from './conversion/autoscaling.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import type { KubeObject } from './types.js';

/** How one older version of a kind converts to and from the stored version. */
export interface Converter {
  /** The stored object as the older version shows it. */
  toVersion(stored: KubeObject): KubeObject;
  /** An object of the older version, as stored. Fields the older version cannot hold are kept in annotations. */
  fromVersion(old: KubeObject): KubeObject;
}

const CONVERTERS: Record<string, Converter> = {
  'autoscaling/HorizontalPodAutoscaler/v1': { toVersion: hpaToV1, fromVersion: hpaFromV1 },
};

/**
 * A resource seen through one of its older served versions (`ResourceType.otherVersions`): the
 * entry with `version` set to it, for schemas and patch metadata, and its converter.
 */
export interface VersionView {
  r: ResourceType;
  /** The stored version's entry. */
  stored: ResourceType;
  converter: Converter;
}

/** The view of `r` at `version`; undefined when `version` is the stored one. Throws for a version without a converter (a programming error). */
export function versionView(r: ResourceType, version: string): VersionView | undefined {
  if (version === r.version) return undefined;
  const converter = CONVERTERS[`${r.group}/${r.kind}/${version}`];
  if (!converter || !r.otherVersions?.includes(version)) throw new Error(`no conversion of ${r.kind} to ${r.group}/${version}`);
  return { r: { ...r, version, otherVersions: [] }, stored: r, converter };
}

/** Converts a stored object for a view; anything else (another kind, a Status) passes unchanged. */
export function toView(view: VersionView | undefined, o: KubeObject): KubeObject {
  if (!view || o.kind !== view.stored.kind || o.apiVersion !== apiVersionOf(view.stored)) return o;
  return view.converter.toVersion(o);
}
