import { raw, sh } from './quote.js';
import type { AgentConfig } from '../agent/config.js';

/**
 * Where the agent lives on a host and the commands that manage it. Everything is derived from the
 * node name (a validated DNS-1123 name) and still quoted: commands are fixed words plus quoted values.
 */

export const AGENT_ROOT = '/var/lib/skiff/agent';
export const KUBELET_PORT = 10250;
export const DEFAULT_TUNNEL_PORT = 16443;
/** Every agent command line contains this, so a pid file naming some other process is never trusted. */
export const AGENT_MARK = 'skiff-agent';

export interface AgentPaths {
  dataDir: string;
  bundle: string;
  config: string;
  /** Written by the provisioner when it starts the agent as a plain process; the lab's `killAgent` reads it. */
  pid: string;
  log: string;
  unitName: string;
  unitFile: string;
}

export function agentPaths(nodeName: string): AgentPaths {
  const dataDir = `${AGENT_ROOT}/${nodeName}`;
  return {
    dataDir,
    bundle: `${dataDir}/skiff-agent.js`,
    config: `${dataDir}/config.json`,
    pid: `${dataDir}/skiff-agent.pid`,
    log: `${dataDir}/agent.log`,
    unitName: `skiff-agent-${nodeName}.service`,
    unitFile: `/etc/systemd/system/skiff-agent-${nodeName}.service`,
  };
}

/** The agent's config file, with `nodeIP` always set: the address we SSH to. */
export type HostAgentConfig = AgentConfig & { nodeIP: string };

export function agentConfig(a: { tunnelPort: number; token: string; ca: string; nodeName: string; nodeIP: string }): HostAgentConfig {
  return {
    server: `https://127.0.0.1:${a.tunnelPort}`,
    token: a.token,
    ca: a.ca,
    nodeName: a.nodeName,
    kubeletPort: KUBELET_PORT,
    dataDir: agentPaths(a.nodeName).dataDir,
    dockerSocket: '/var/run/docker.sock',
    nodeIP: a.nodeIP,
    // Whoever the SSH user is, hosts run the host component as its privileged container: one way on every host.
    hostNetwork: 'container',
    bundlePath: agentPaths(a.nodeName).bundle,
  };
}

/** The unit used where systemd runs. The agent adopts containers on restart, so `Restart=always` is safe. */
export function systemdUnit(p: AgentPaths, nodePath: string, nodeName: string): string {
  // systemd parses ExecStart itself (no shell): quote words with double quotes as it expects.
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return [
    '[Unit]',
    `Description=Skiff agent for node ${nodeName}`,
    'After=network-online.target docker.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    `ExecStart=${q(nodePath)} ${q(p.bundle)} --config ${q(p.config)}`,
    `WorkingDirectory=${p.dataDir}`,
    'Restart=always',
    'RestartSec=5',
    // Stop only the agent: containers belong to Docker and keep running across agent restarts.
    'KillMode=process',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Prints the agent's pid when it runs (pid file names a live process whose command line is the agent's), else nothing. */
export function runningPidScript(p: AgentPaths): string {
  return sh`pid=$(cat ${p.pid} 2>/dev/null) || exit 0
case "$pid" in ''|*[!0-9]*) exit 0;; esac
if tr '\\0' ' ' < /proc/"$pid"/cmdline 2>/dev/null | grep -q ${AGENT_MARK}; then echo "$pid"; fi`;
}

/** Starts the agent detached from the SSH session (its own session, no terminal, output to its log). */
export function startProcessScript(p: AgentPaths, nodePath: string): string {
  return sh`cd ${p.dataDir} || exit 1
setsid nohup ${nodePath} ${p.bundle} --config ${p.config} </dev/null >>${p.log} 2>&1 &
echo $! > ${p.pid}
echo $!`;
}

export function startSystemdScript(p: AgentPaths): string {
  return sh`systemctl daemon-reload && systemctl enable ${p.unitName} >/dev/null 2>&1 && systemctl restart ${p.unitName} && systemctl show -p MainPID --value ${p.unitName}`;
}

export function systemdActiveScript(p: AgentPaths): string {
  return sh`systemctl is-active --quiet ${p.unitName} && systemctl show -p MainPID --value ${p.unitName}`;
}

/** Stops the agent however it was started: systemd unit (disabled and removed) and/or pid file. Idempotent. */
export function stopAgentScript(p: AgentPaths): string {
  const running = raw(runningPidScript(p));
  return sh`if [ -f ${p.unitFile} ]; then
  systemctl disable --now ${p.unitName} >/dev/null 2>&1 || true
  rm -f ${p.unitFile}
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
pid=$( ${running} )
if [ -n "$pid" ]; then
  kill "$pid" 2>/dev/null || true
  i=0
  while [ $i -lt 100 ] && [ -n "$( ${running} )" ]; do sleep 0.1; i=$((i+1)); done
  if [ -n "$( ${running} )" ]; then kill -9 "$pid" 2>/dev/null || true; fi
fi
rm -f ${p.pid}`;
}

/** Removes every container the agent owns (label io.skiff.managed=true) and nothing else. Prints how many. */
export function removeManagedContainersScript(): string {
  return sh`ids=$(docker ps -aq --filter ${'label=io.skiff.managed=true'}) || exit 1
if [ -n "$ids" ]; then docker rm -f $ids >/dev/null || exit 1; fi
echo "$ids" | grep -c . || true`;
}

/**
 * Runs the agent's `cleanup-network` (its host component removes the node's chains, links, routes,
 * VXLAN device and held ports, then its own container) when the agent's files are there; prints
 * its one-line summary, or says there was nothing to clean.
 */
export function cleanupNetworkScript(p: AgentPaths): string {
  return sh`if [ -f ${p.bundle} ] && [ -f ${p.config} ]; then
  cd ${p.dataDir} && node ${p.bundle} cleanup-network --config ${p.config}
else
  echo "no agent files: nothing to clean"
fi`;
}

/** Removes the node's pod networks from its Docker engine (after its containers). Prints how many. */
export function removeNodeNetworksScript(nodeName: string): string {
  return sh`ids=$(docker network ls -q --filter ${'label=io.skiff.managed=true'} --filter ${`label=io.skiff.node=${nodeName}`}) || exit 1
if [ -n "$ids" ]; then docker network rm $ids >/dev/null || exit 1; fi
echo "$ids" | grep -c . || true`;
}

/** `sha256sum` of the agent's files; missing files print nothing. */
export function checksumScript(p: AgentPaths): string {
  return sh`mkdir -p ${p.dataDir} && chmod 700 ${p.dataDir} && { sha256sum ${p.bundle} ${p.config} 2>/dev/null || true; }`;
}

/** Parses `sha256sum` output into path -> hash. */
export function parseChecksums(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (match) m.set(match[2] as string, match[1] as string);
  }
  return m;
}

/** Moves an uploaded temporary file into place with `mode` (atomic: a running agent never reads half a file). */
export function installFileScript(tmp: string, dest: string, mode: string): string {
  if (!/^[0-7]{3,4}$/.test(mode)) throw new Error(`bad file mode ${mode}`);
  return sh`chmod ${mode} ${tmp} && mv -f ${tmp} ${dest}`;
}

/**
 * Ends the SSH sessions of this user that still hold the tunnel port: after a partition the old
 * session's sshd child lives on (sshd notices a dead client only with ClientAliveInterval set) and
 * keeps 127.0.0.1:port, so the new session cannot listen there. Only sshd processes owned by the
 * SSH user qualify, never the session running this script ($PPID). Prints the pids it ended.
 */
export function staleTunnelScript(port: number): string {
  return sh`me=$PPID
for pid in $(ss -Hltnp ${`sport = :${port}`} 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
  [ "$pid" = "$me" ] && continue
  [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = sshd ] || continue
  [ -O /proc/"$pid" ] || continue
  kill "$pid" 2>/dev/null && echo "$pid"
done
true`;
}
