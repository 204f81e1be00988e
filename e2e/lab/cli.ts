/**
 * The lab from a shell:
 *   npx tsx e2e/lab/cli.ts up 2        create 2 hosts (removing any earlier lab first)
 *   npx tsx e2e/lab/cli.ts up 3 --routed lab-w3   lab-w3 on a second network, reached through this machine
 *   npx tsx e2e/lab/cli.ts status      one line per host
 *   npx tsx e2e/lab/cli.ts down        remove everything the lab made
 *   npx tsx e2e/lab/cli.ts stop|start|partition|heal|kill-agent lab-w1
 * State lives in $SKIFF_LAB_DIR (default /tmp/skiff-lab).
 */
import { createLab, destroyLab, heal, killAgent, labStatus, partition, startHost, stopHost } from './lab.js';
import { defaultLabDir } from './paths.js';

const USAGE = 'usage: cli.ts up [N] [--routed NAME]... | down | status | stop NAME [--hard] | start NAME | partition NAME | heal NAME | kill-agent NAME';

async function main(argv: string[]): Promise<number> {
  const [cmd, arg] = argv;
  const dir = defaultLabDir();
  const need = (): string => {
    if (!arg) throw new Error(USAGE);
    return arg;
  };
  switch (cmd) {
    case 'up': {
      const n = arg === undefined || arg.startsWith('--') ? 2 : Number(arg);
      const routed = argv.flatMap((a, i) => (a === '--routed' && argv[i + 1] ? [argv[i + 1] as string] : []));
      const lab = await createLab({ hosts: n, dir, hostOptions: Object.fromEntries(routed.map((h) => [h, { routed: true }])), log: (m) => console.error(m) });
      for (const h of lab.hosts) console.log(`${h.name}\t${h.ip}\tssh root@${h.ip} -i ${lab.keyPath}\tdocker -H unix://${h.dockerSocket}`);
      return 0;
    }
    case 'down':
      await destroyLab(dir);
      console.log('lab removed');
      return 0;
    case 'status': {
      const st = await labStatus(dir);
      if (!st) {
        console.log(`no lab in ${dir}`);
        return 1;
      }
      for (const h of st.hosts) {
        const p = (v: number | undefined) => (v === undefined ? '-' : String(v));
        console.log(`${h.name}\t${h.ip}\tnetns=${h.netns} link=${h.link ? 'up' : 'down'} ssh=${h.ssh} dockerd=${p(h.dockerd)} sshd=${p(h.sshd)} agent=${p(h.agent)}`);
      }
      return 0;
    }
    case 'stop':
      await stopHost(need(), { dir, hard: argv.includes('--hard') });
      return 0;
    case 'start':
      await startHost(need(), dir);
      return 0;
    case 'partition':
      await partition(need(), dir);
      return 0;
    case 'heal':
      await heal(need(), dir);
      return 0;
    case 'kill-agent': {
      const pid = await killAgent(need(), 'SIGKILL', dir);
      console.log(pid === undefined ? 'no agent was running' : `killed agent pid ${pid}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
