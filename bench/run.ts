// `npm run bench`: every benchmark, one after the other, each printing its figures;
// `npm run bench -- <name> [<name>...]` runs only those. One line per benchmark module.
import { apiBench } from './api/index.js';
import { benchAddressGroups } from './addressGroups.js';
import { benchAuthz } from './authz.js';
import { createPathBench } from './createPath.js';
import { datastoreGrowth } from './datastoreGrowth.js';
import { deploymentBench } from './deployment.js';
import { benchDns } from './dns.js';
import { benchNetwork } from './network.js';
import { benchHostileRequests } from './hostileRequests.js';
import { runUiBench } from './ui.js';
import { schedulingBench } from './scheduling.js';
import { writeLatency } from './writeLatency.js';
import { benchPodStart } from './podStart.js';

const BENCHES: Record<string, () => Promise<void>> = {
  deployment: deploymentBench,
  'write-latency': writeLatency,
  'datastore-growth': datastoreGrowth,
  ui: runUiBench,
  authz: benchAuthz,
  'hostile-requests': benchHostileRequests,
  api: apiBench,
  network: benchNetwork,
  'pod-start': benchPodStart,
  scheduling: schedulingBench,
  'create-path': createPathBench,
  dns: benchDns,
  'address-groups': benchAddressGroups,
};

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  for (const n of names) if (!BENCHES[n]) throw new Error(`unknown benchmark "${n}"; known: ${Object.keys(BENCHES).join(', ')}`);
  for (const [name, run] of Object.entries(BENCHES)) {
    if (names.length && !names.includes(name)) continue;
    console.log(`\n== ${name}`);
    await run();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
