import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TEMPLATES, templateProblems } from './templates.js';

const input = { name: 'web', namespace: 'shop', image: 'nginx:1.27', port: 8080 };

describe('templates', () => {
  it('fill into valid YAML objects of their kind, in the namespace given', () => {
    for (const t of TEMPLATES) {
      const o = parse(t.yaml(input)) as { kind: string; metadata: { name: string; namespace?: string } };
      expect(o.kind.toLowerCase()).toContain(t.id === 'pvc' ? 'persistentvolumeclaim' : t.id);
      expect(o.metadata.name).toBe('web');
      if (t.id !== 'namespace') expect(o.metadata.namespace).toBe('shop');
    }
    const d = parse(TEMPLATES.find((t) => t.id === 'deployment')!.yaml(input)) as { spec: { template: { spec: { containers: { image: string; ports: { containerPort: number }[] }[] } } } };
    expect(d.spec.template.spec.containers[0]).toMatchObject({ image: 'nginx:1.27', ports: [{ containerPort: 8080 }] });
  });

  it('quote values YAML would misread', () => {
    const cm = parse(TEMPLATES.find((t) => t.id === 'job')!.yaml({ ...input, image: 'yes' })) as { spec: { template: { spec: { containers: { image: unknown }[] } } } };
    expect(cm.spec.template.spec.containers[0]?.image).toBe('yes');
  });

  it("report problems in the form's words", () => {
    const dep = TEMPLATES.find((t) => t.id === 'deployment')!;
    expect(templateProblems(dep, input)).toEqual([]);
    expect(templateProblems(dep, { name: 'Web', namespace: '', image: '', port: 0 })).toEqual([
      expect.stringMatching(/^Name: /),
      expect.stringMatching(/^Namespace: /),
      expect.stringMatching(/^Image: /),
      expect.stringMatching(/^Port: /),
    ]);
    expect(templateProblems(TEMPLATES.find((t) => t.id === 'namespace')!, { ...input, namespace: '' })).toEqual([]);
  });
});
