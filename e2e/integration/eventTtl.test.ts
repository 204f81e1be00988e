// Event TTL through the real API: an Event created with kubectl disappears once its lease runs out,
// and a `kubectl get events -w` sees it DELETED (the store writes a delete revision). Renewal on
// update and the exact timing are unit-tested on a fake clock (store/maintenance.test.ts).
import { afterAll, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startTestControlPlane, type TestControlPlane } from '../support/controlPlane.js';

let t: TestControlPlane | undefined;
afterAll(() => t?.stop());

const event = (name: string, message: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
    reason: 'Testing',
    message,
    type: 'Normal',
  });

it('deletes an Event when its TTL runs out, as a DELETED watch event', async () => {
  t = await startTestControlPlane({ eventTtlMs: 4000, datastoreMaintenance: { intervalMs: 250 } });
  const watch = t.kubectl.stream(['get', 'events', '-w', '--output-watch-events']);
  const seen = (re: RegExp) => () => re.test(watch.output());
  const printed = (e: unknown) => {
    throw new Error(`${String(e)}; the watch printed: ${watch.output()}`);
  };
  try {
    await t.kubectl.ok(['create', '-f', '-'], { input: event('short-lived', 'message-of-short-lived') });
    await eventually('the watch to show the event', seen(/ADDED.*message-of-short-lived/), 30_000, 100).catch(printed);
    await eventually('the watch to see it deleted', seen(/DELETED.*message-of-short-lived/), 30_000, 100).catch(printed);
  } finally {
    watch.stop();
  }
  expect(await t.kubectl.ok(['get', 'events', '-o', 'name'])).not.toContain('short-lived');
});
