import type { ProvisionCtx } from './context.js';
import { conditionTrue, PROVISION_STEPS, updateStep } from './plan.js';
import { STEPS, type Step } from './provisionSteps.js';
import { undoFirstProvisioning } from './removal.js';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A step ran out of its time (`Step.timeoutMs`): the host stopped answering, or never did. */
export class StepTimeoutError extends Error {
  override name = 'StepTimeoutError';
}

/** The SSH connection closed while a step was waiting on it. */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
}

/**
 * Runs one step within its time, and no longer than the SSH connection under it or the run itself
 * (cancelled when the spec changes, the host is deleted or the controller stops). A step that loses
 * is left to end on its own: `fail` drops its session, which ends whatever it awaits, and a session
 * it opens after losing is dropped as soon as it is open.
 */
async function runStep(step: Step, ctx: ProvisionCtx): Promise<string> {
  const { clock, timing } = ctx.env;
  const { name } = step.def;
  const limitMs = step.timeoutMs(timing);
  let over = false;
  let lost = false;
  const cleanup: (() => void)[] = [];
  const guard = new Promise<never>((_, reject) => {
    const lose = (e: Error) => {
      if (over) return;
      lost = true;
      reject(e);
    };
    cleanup.push(
      clock.setTimeout(() => {
        const why = ctx.session ? `${ctx.spec.address} stopped answering over SSH` : `no SSH connection to ${ctx.spec.address}`;
        lose(new StepTimeoutError(`step ${name} timed out after ${Math.round(limitMs / 1000)} s: ${why}`));
      }, limitMs),
    );
    const onAbort = () => lose(new Error(`provisioning of ${ctx.name} was cancelled`));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    cleanup.push(() => ctx.signal.removeEventListener('abort', onAbort));
    void ctx.session?.closed.then((err) =>
      lose(new ConnectionLostError(`step ${name} stopped: the SSH connection to ${ctx.spec.address} closed${err ? ` (${err.message})` : ''}`)),
    );
  });
  const work = step.run(ctx);
  work.then(
    () => {
      if (lost) ctx.session?.destroy();
    },
    // The step's own error, once the guard has won, tells nothing new.
    () => {},
  );
  try {
    return await Promise.race([work, guard]);
  } finally {
    over = true;
    for (const c of cleanup) c();
  }
}

/**
 * Runs every provisioning step in order, streaming each into the Host's status. Resolves with the
 * host Ready (ctx.session open, tunnel up, dialer registered). Each step has its own time (see
 * `Timing.stepTimeoutMs`) and ends early if the connection closes under it. On failure the Host is
 * Failed with the step's message, the session is closed, and — if this was the host's first
 * provisioning and the agent had been started — the agent is stopped and its Node deleted: no
 * half-registered node.
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
        msg = await runStep(step, ctx);
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
  // A host that stopped answering would hold a polite goodbye, and the undo below, as long as it is silent.
  if (e instanceof StepTimeoutError) ctx.session?.destroy();
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
    const reason = e instanceof StepTimeoutError ? 'StepTimedOut' : e instanceof ConnectionLostError ? 'ConnectionLost' : 'ProvisioningFailed';
    await report.condition('Connected', 'False', reason, msg);
    await report.condition('Ready', 'False', reason, msg);
  };
  // A cancelled run (spec changed, host deleted, controller stopped) is superseded by what comes next.
  if (ctx.signal.aborted) return;
  // The Host may be gone (deleted meanwhile): nothing to report then.
  await write().catch(() => {});
}
