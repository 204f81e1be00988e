import { describe, expect, it } from 'vitest';
import { swaggerDocument, V2_REF_PREFIX } from '../../api/openapiV2.js';
import { encodeSwagger } from './openapiV2.js';
import { readFields, text, type WireField } from './wire.js';

const field = (fs: WireField[], no: number) => fs.filter((f) => f.no === no);
const str = (fs: WireField[], no: number) => text(field(fs, no)[0]?.bytes);
/** A repeated (name, value) message list as a map of the value's fields. */
const named = (fs: WireField[]) => new Map(fs.map((f) => { const nv = readFields(f.bytes as Uint8Array); return [str(nv, 1), readFields(field(nv, 2)[0]?.bytes as Uint8Array)]; }));

describe('/openapi/v2', () => {
  it('is Swagger 2.0 in the v2 dialect: #/definitions/ references, IntOrString as upstream writes it', () => {
    const doc = swaggerDocument();
    expect(doc.swagger).toBe('2.0');
    const json = JSON.stringify(doc);
    expect(json).not.toContain('#/components/schemas/');
    const pod = doc.definitions['io.k8s.api.core.v1.Pod'] as Record<string, unknown>;
    expect((pod.properties as Record<string, { $ref?: string }>).metadata?.$ref).toBe(`${V2_REF_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`);
    expect(pod['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    const ios = doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] as Record<string, unknown>;
    expect([ios.type, ios.format, ios.oneOf]).toEqual(['string', 'int-or-string', undefined]);
  });

  it('encodes as gnostic’s openapi.v2.Document protobuf, every definition with its fields and extensions', () => {
    const doc = swaggerDocument();
    const top = readFields(encodeSwagger(doc));
    expect(str(top, 1)).toBe('2.0');
    expect(str(readFields(field(top, 2)[0]?.bytes as Uint8Array), 1)).toBe('Kubernetes');
    const defs = named(field(readFields(field(top, 9)[0]?.bytes as Uint8Array), 1));
    expect([...defs.keys()]).toEqual(Object.keys(doc.definitions));
    const svc = defs.get('io.k8s.api.core.v1.ServiceSpec') as WireField[];
    expect(str(readFields(field(svc, 22)[0]?.bytes as Uint8Array), 1)).toBe('object');
    const props = named(field(readFields(field(svc, 25)[0]?.bytes as Uint8Array), 1));
    expect(props.has('ports')).toBe(true);
    const ports = props.get('ports') as WireField[];
    // An array of references, with its list-map extension carried as YAML.
    const items = readFields(field(ports, 23)[0]?.bytes as Uint8Array);
    expect(str(readFields(field(items, 1)[0]?.bytes as Uint8Array), 1)).toBe(`${V2_REF_PREFIX}io.k8s.api.core.v1.ServicePort`);
    const ext = new Map(field(ports, 31).map((f) => { const nv = readFields(f.bytes as Uint8Array); return [str(nv, 1), str(readFields(field(nv, 2)[0]?.bytes as Uint8Array), 2)]; }));
    expect(JSON.parse(ext.get('x-kubernetes-list-map-keys') as string)).toEqual(['port', 'protocol']);
    // Maps: additionalProperties as a schema.
    const labels = named(field(readFields(field(defs.get('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') as WireField[], 25)[0]?.bytes as Uint8Array), 1)).get('labels') as WireField[];
    const additional = readFields(field(labels, 21)[0]?.bytes as Uint8Array);
    expect(str(readFields(field(readFields(field(additional, 1)[0]?.bytes as Uint8Array), 22)[0]?.bytes as Uint8Array), 1)).toBe('string');
  });
});
