import { applyManifests, parseManifests, type ManifestDoc } from '../api/manifests.js';
import type { Command, CommandContext } from './types.js';

/** Applies files (dropped on the canvas or picked) document by document, filling the result list. */
export async function applyFiles(ctx: CommandContext, files: readonly File[]): Promise<void> {
  const { setDrop, addDropResult } = ctx.store.getState();
  const docs: ManifestDoc[] = [];
  for (const f of files) docs.push(...parseManifests(await f.text(), f.name));
  setDrop({ files: files.map((f) => f.name), total: docs.length, results: [], running: true });
  await applyManifests(ctx.api, docs, (r) => addDropResult(r));
  const d = ctx.store.getState().drop;
  if (d) setDrop({ ...d, running: false });
}

export const deployFromFile: Command = {
  id: 'deploy-from-file',
  label: 'Deploy from file…',
  enabled: () => true,
  run: (ctx) => ctx.openFilePicker(),
};
