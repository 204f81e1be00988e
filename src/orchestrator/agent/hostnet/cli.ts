import { consoleLogger } from '../../util/logger.js';
import { HostNetComponent } from './component.js';
import { nodeName } from './validate.js';
import { startHostNetServer } from './server.js';

/**
 * `skiff-agent.js hostnet --socket PATH --owner-uid UID --node NAME`: the host component's
 * program, as its container runs it (chrooted into the host, as root). Serves the
 * socket until SIGTERM.
 */
export async function runHostNetCli(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (!v) throw new Error(`usage: skiff-agent hostnet --socket PATH --owner-uid UID --node NAME (missing ${name})`);
    return v;
  };
  const socketPath = arg('--socket');
  const ownerUid = Number(arg('--owner-uid'));
  if (!Number.isInteger(ownerUid) || ownerUid < 0) throw new Error('--owner-uid must be a user id');
  const node = nodeName(arg('--node'));
  if (process.getuid?.() !== 0) throw new Error('the host component must run as root (in its container)');
  const log = consoleLogger({ component: 'hostnet', node });
  const server = await startHostNetServer({ socketPath, ownerUid, hostnet: new HostNetComponent({ log }), log });
  log.info('host component serving', { socket: socketPath });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
