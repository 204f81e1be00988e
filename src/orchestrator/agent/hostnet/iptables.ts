import type { CommandRunner } from './exec.js';
import { parseSave, renderCleanup, renderRestore, type Saved } from './render.js';
import type { Rule } from './types.js';

/**
 * The host's iptables (whichever flavour its `iptables` is: nf_tables or legacy, the one Docker
 * uses too), driven through `iptables-save` and `iptables-restore --noflush` only, so every change
 * of a node's rules is one transaction and no other chain is touched. The xtables lock is waited
 * for (`-w`), as Docker and kube-proxy hold it briefly.
 */
export class Iptables {
  /** `iptables --version` never changes while this process runs: asked once. */
  private versionText?: Promise<string | undefined>;

  constructor(private readonly run: CommandRunner) {}

  async save(): Promise<Saved> {
    const r = await this.run.run('iptables-save', []);
    if (r.code !== 0) throw new Error(`iptables-save failed: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
    return parseSave(r.stdout);
  }

  async restore(text: string): Promise<void> {
    const r = await this.run.run('iptables-restore', ['-w', '5', '--noflush'], { input: text });
    if (r.code !== 0) throw new Error(`iptables-restore refused the rules: ${(r.stderr || r.stdout).trim().split('\n').slice(0, 4).join('; ') || `exit ${r.code}`}`);
  }

  /**
   * Replaces the node's chains with `rules` in one transaction. Another writer (Docker, another
   * node) may change the tables between save and restore; the restore then fails on a stale link
   * and is tried again from a fresh save.
   */
  async sync(node: string, rules: readonly Rule[]): Promise<{ chains: number }> {
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const saved = await this.save();
      const text = renderRestore(node, rules, saved);
      try {
        await this.restore(text);
        return { chains: text.split('\n').filter((l) => l.startsWith(':')).length };
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  /** Removes the node's links and chains; counts what went. */
  async cleanup(node: string): Promise<{ chains: number; links: number }> {
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const plan = renderCleanup(node, await this.save());
      if (!plan) return { chains: 0, links: 0 };
      try {
        await this.restore(plan.text);
        return { chains: plan.chains, links: plan.links };
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  version(): Promise<string | undefined> {
    this.versionText ??= this.run.run('iptables', ['--version']).then((r) => (r.code === 0 ? r.stdout.trim() : undefined));
    // A failed look-up (iptables not installed yet) is asked again next time.
    void this.versionText.then((v) => {
      if (v === undefined) this.versionText = undefined;
    });
    return this.versionText;
  }
}
