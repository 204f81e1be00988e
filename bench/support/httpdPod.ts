/**
 * A busybox httpd pod pinned to one lab node, answering `GET /` with its own name on port 8080
 * (`local/busybox:1`, which every lab host imports): the servers of the network benchmarks.
 * With `readiness`, a TCP probe on 8080 so Ready means the server listens.
 */
export function httpdPod(name: string, node: string, app: string, readiness = false): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: ${app}}}
spec:
  nodeSelector: {kubernetes.io/hostname: ${node}}
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: local/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "mkdir -p /www; echo ${name} > /www/index.html; exec httpd -f -p 8080 -h /www"]
    ports: [{containerPort: 8080}]
${readiness ? '    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}\n' : ''}`;
}

/** A ClusterIP Service on port 80 for the pods labelled `app`, to their port 8080. */
export function httpdService(name: string, app: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${app}}
  ports: [{port: 80, targetPort: 8080}]
`;
}
