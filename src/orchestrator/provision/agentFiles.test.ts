import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentConfig, agentPaths, parseChecksums, runningPidScript, stopAgentScript, systemdUnit, type AgentPaths } from './agentFiles.js';

describe('agent files', () => {
  it('lays the agent out per node under /var/lib/skiff/agent', () => {
    expect(agentPaths('lab-w1')).toEqual({
      dataDir: '/var/lib/skiff/agent/lab-w1',
      bundle: '/var/lib/skiff/agent/lab-w1/skiff-agent.js',
      config: '/var/lib/skiff/agent/lab-w1/config.json',
      pid: '/var/lib/skiff/agent/lab-w1/skiff-agent.pid',
      log: '/var/lib/skiff/agent/lab-w1/agent.log',
      unitName: 'skiff-agent-lab-w1.service',
      unitFile: '/etc/systemd/system/skiff-agent-lab-w1.service',
    });
  });

  it('points the agent at the tunnel and its own data dir', () => {
    expect(agentConfig({ tunnelPort: 16443, token: 't', ca: 'PEM', nodeName: 'lab-w1', nodeIP: '10.77.0.11' })).toEqual({
      server: 'https://127.0.0.1:16443',
      token: 't',
      ca: 'PEM',
      nodeName: 'lab-w1',
      kubeletPort: 10250,
      dataDir: '/var/lib/skiff/agent/lab-w1',
      dockerSocket: '/var/run/docker.sock',
      nodeIP: '10.77.0.11',
      hostNetwork: 'container',
      bundlePath: '/var/lib/skiff/agent/lab-w1/skiff-agent.js',
    });
  });

  it('writes a unit that restarts only the agent', () => {
    const unit = systemdUnit(agentPaths('lab-w1'), '/usr/bin/node', 'lab-w1');
    expect(unit).toContain('ExecStart="/usr/bin/node" "/var/lib/skiff/agent/lab-w1/skiff-agent.js" --config "/var/lib/skiff/agent/lab-w1/config.json"');
    expect(unit).toContain('KillMode=process');
    expect(unit).toContain('Restart=always');
  });

  it('parses sha256sum output', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    expect(parseChecksums(`${a}  /x/skiff-agent.js\n${b} */x/config.json\nsha256sum: /y: No such file\n`)).toEqual(
      new Map([
        ['/x/skiff-agent.js', a],
        ['/x/config.json', b],
      ]),
    );
  });
});

describe('agent process scripts (run by a real shell against real processes)', () => {
  let dir = '';
  const children: number[] = [];
  afterEach(() => {
    for (const pid of children.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function paths(): AgentPaths {
    dir = mkdtempSync(join(tmpdir(), 'skiff-agentfiles-'));
    return { ...agentPaths('t'), dataDir: dir, pid: join(dir, 'agent.pid'), unitFile: join(dir, 'no-such.service') };
  }
  const shell = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim();
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('finds a running agent by its pid file and ignores a pid file naming another process', async () => {
    const p = paths();
    expect(shell(runningPidScript(p))).toBe('');
    const agent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'skiff-agent.js'], { stdio: 'ignore' });
    children.push(agent.pid as number);
    writeFileSync(p.pid, `${agent.pid}\n`);
    expect(shell(runningPidScript(p))).toBe(String(agent.pid));
    writeFileSync(p.pid, `${process.pid}\n`);
    expect(shell(runningPidScript(p))).toBe('');
    writeFileSync(p.pid, '1; touch /tmp/x\n');
    expect(shell(runningPidScript(p))).toBe('');
  });

  it('stops the agent it finds and removes the pid file', async () => {
    const p = paths();
    const agent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'skiff-agent.js'], { stdio: 'ignore' });
    const exited = new Promise((r) => agent.on('exit', r));
    children.push(agent.pid as number);
    writeFileSync(p.pid, `${agent.pid}\n`);
    shell(stopAgentScript(p));
    await exited;
    expect(alive(agent.pid as number)).toBe(false);
    expect(shell(`test -e ${p.pid} && echo yes || echo no`)).toBe('no');
    // Idempotent: nothing to stop is fine.
    shell(stopAgentScript(p));
  });
});
