/** New resources from templates: a few fields in a form, filled into YAML the user can edit further. */

export interface TemplateInput {
  name: string;
  namespace: string;
  image: string;
  port: number;
}

export interface Template {
  id: string;
  label: string;
  /** Which of the form's fields this template uses. */
  fields: readonly ('image' | 'port')[];
  yaml(i: TemplateInput): string;
}

/** YAML-safe scalar: quoted when plain YAML would read it as something else. */
function q(v: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|~|\d+(\.\d+)?)$/i.test(v) ? v : JSON.stringify(v);
}

export const TEMPLATES: readonly Template[] = [
  {
    id: 'deployment',
    label: 'Deployment',
    fields: ['image', 'port'],
    yaml: (i) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${q(i.name)}
  namespace: ${q(i.namespace)}
  labels:
    app: ${q(i.name)}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${q(i.name)}
  template:
    metadata:
      labels:
        app: ${q(i.name)}
    spec:
      containers:
        - name: ${q(i.name)}
          image: ${q(i.image)}
          ports:
            - containerPort: ${i.port}
`,
  },
  {
    id: 'service',
    label: 'Service',
    fields: ['port'],
    yaml: (i) => `apiVersion: v1
kind: Service
metadata:
  name: ${q(i.name)}
  namespace: ${q(i.namespace)}
spec:
  type: ClusterIP
  selector:
    app: ${q(i.name)}
  ports:
    - port: ${i.port}
      targetPort: ${i.port}
      protocol: TCP
`,
  },
  {
    id: 'configmap',
    label: 'ConfigMap',
    fields: [],
    yaml: (i) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${q(i.name)}
  namespace: ${q(i.namespace)}
data:
  key: value
`,
  },
  {
    id: 'secret',
    label: 'Secret',
    fields: [],
    yaml: (i) => `apiVersion: v1
kind: Secret
metadata:
  name: ${q(i.name)}
  namespace: ${q(i.namespace)}
type: Opaque
stringData:
  password: change-me
`,
  },
  {
    id: 'job',
    label: 'Job',
    fields: ['image'],
    yaml: (i) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${q(i.name)}
  namespace: ${q(i.namespace)}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: ${q(i.name)}
          image: ${q(i.image)}
          command: ["sh", "-c", "echo hello from the job"]
`,
  },
  {
    id: 'ingress',
    label: 'Ingress',
    fields: ['port'],
    yaml: (i) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${q(i.name)}
  namespace: ${q(i.namespace)}
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${q(i.name)}
                port:
                  number: ${i.port}
`,
  },
  {
    id: 'pvc',
    label: 'PersistentVolumeClaim',
    fields: [],
    yaml: (i) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${q(i.name)}
  namespace: ${q(i.namespace)}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`,
  },
  {
    id: 'namespace',
    label: 'Namespace',
    fields: [],
    yaml: (i) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${q(i.name)}
`,
  },
];

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Form problems in the words of the form's labels; empty when the template can be filled. */
export function templateProblems(t: Template, i: TemplateInput): string[] {
  const out: string[] = [];
  if (!DNS1123.test(i.name) || i.name.length > 63) out.push('Name: lower-case letters, digits and "-", starting and ending with a letter or digit (at most 63)');
  if (t.id !== 'namespace' && (!DNS1123.test(i.namespace) || i.namespace.length > 63)) out.push('Namespace: lower-case letters, digits and "-" (at most 63)');
  if (t.fields.includes('image') && !/^\S+$/.test(i.image)) out.push('Image: required, without spaces (e.g. nginx:1.27)');
  if (t.fields.includes('port') && !(Number.isInteger(i.port) && i.port >= 1 && i.port <= 65535)) out.push('Port: a whole number from 1 to 65535');
  return out;
}
