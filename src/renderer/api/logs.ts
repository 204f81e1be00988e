import { resourcePath, resourceType } from '../../orchestrator/api/resources.js';
import type { KubeApi } from './client.js';
import { readLines } from './lines.js';

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  tailLines?: number;
  follow?: boolean;
}

/**
 * Streams a container's log (`pods/log`, text/plain) line by line until the server ends it or
 * `signal` aborts. Resolves on a clean end; rejects with the API's error (e.g. 400 while the
 * container is still being created).
 */
export async function streamLogs(
  api: KubeApi,
  req: LogRequest,
  onLines: (lines: string[]) => void,
  signal: AbortSignal,
  onOpen?: () => void,
): Promise<void> {
  const res = await api.send('GET', resourcePath(resourceType('pods'), req.namespace, req.pod, 'log'), {
    query: { follow: req.follow ?? true, tailLines: req.tailLines ?? 500, container: req.container },
    signal,
  });
  onOpen?.();
  if (!res.body) return;
  await readLines(res.body, onLines);
}
