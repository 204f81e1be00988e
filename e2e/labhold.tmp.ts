import { writeFileSync } from 'node:fs';
import { createLab } from './lab/lab.js';
import { startLabCluster } from './support/labCluster.js';
import { consoleLogger } from '../src/orchestrator/util/logger.js';
async function main() {
  const lab = await createLab({ hosts: Number(process.env.HOSTS ?? 2), log: (m) => console.error(m) });
  console.error('lab up');
  const t = await startLabCluster(lab, { log: consoleLogger({ component: 'cp' }, 'warn') }).catch(async (e) => { console.error('cluster failed', e); await new Promise(() => {}); throw e; });
  writeFileSync('/tmp/nc/lab.kubeconfig', t.cp.kubeconfigPath);
  console.error('READY', t.cp.kubeconfigPath);
  process.on('SIGTERM', () => void t.stop().then(() => lab.dispose()).then(() => process.exit(0)));
  await new Promise(() => {});
}
main().catch((e) => { console.error(e); process.exit(1); });
