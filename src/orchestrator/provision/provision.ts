import type { ProvisionCtx } from './context.js';
import { conditionTrue, PROVISION_STEPS, updateStep } from './plan.js';
import { STEPS } from './provisionSteps.js';
import { undoFirstProvisioning } from './removal.js';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs every provisioning step in order, streaming each into the Host's status. Resolves with the
 * host Ready (ctx.session open, tunnel up, dialer registered). On failure the Host is Failed with
 * the step's message, the session is closed, and — if this was the host's first provisioning and
 * the agent had been started — the agent is stopped and its Node deleted: no half-registered node.
 */
export async function provisionHost(ctx: ProvisionCtx): Promise<void> {
  const { report } = ctx;
  const onAbort = () => ctx.session?.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await report.begin(PROVISION_STEPS, `connecting to ${ctx.spec.address}:${ctx.spec.port}`);
    for (const step of STEPS) {
      await report.update((s) => {
        s.steps = updateStep(s.steps ?? [], step.def.name, 'running', report.now());
        s.phase = step.def.phase;
        if (step.def.name !== 'connect') s.message = `${step.def.title}…`;
      });
      let msg: string;
      try {
        msg = await step.run(ctx);
      } catch (e) {
        await report.step(step.def.name, 'failed', message(e)).catch(() => {});
        throw e;
      }
      await report.step(step.def.name, 'done', msg);
      if (step.def.name === 'connect') await report.condition('Connected', 'True', 'SSHConnected', msg);
    }
    const ready = `node ${ctx.nodeName} is Ready`;
    await report.update((s) => {
      s.phase = 'Ready';
      s.message = ready;
    });
    await report.condition('Ready', 'True', 'NodeReady', ready);
    if (!conditionTrue(report.status.conditions, 'Provisioned')) await report.condition('Provisioned', 'True', 'AgentRunning', `joined as node ${ctx.nodeName}`);
  } catch (e) {
    await fail(ctx, e);
    throw e;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

async function fail(ctx: ProvisionCtx, e: unknown): Promise<void> {
  const { report, env } = ctx;
  const msg = message(e);
  env.log.warn('provisioning failed', { host: ctx.name, error: msg });
  ctx.dialer?.dispose();
  if (ctx.firstTime && ctx.reachedAgent && ctx.nodeName) {
    await undoFirstProvisioning({ client: env.client, nodeName: ctx.nodeName, session: ctx.session }).catch((err: unknown) =>
      env.log.warn('cannot undo a failed first provisioning', { host: ctx.name, error: message(err) }),
    );
  }
  ctx.session?.close();
  const write = async () => {
    await report.update((s) => {
      s.phase = 'Failed';
      s.message = msg;
    });
    await report.condition('Connected', 'False', 'ProvisioningFailed', msg);
    await report.condition('Ready', 'False', 'ProvisioningFailed', msg);
  };
  // A cancelled run (spec changed, host deleted, controller stopped) is superseded by what comes next.
  if (ctx.signal.aborted) return;
  // The Host may be gone (deleted meanwhile): nothing to report then.
  await write().catch(() => {});
}
