import type { ChangeEvent, RefObject } from 'react';
import { applyFiles } from '../commands/deployFromFile.js';
import { useServices } from '../store/context.js';

/** The hidden input behind "Deploy from file" (tests may set files on it directly). */
export function FileInput({ inputRef }: { inputRef: RefObject<HTMLInputElement | null> }) {
  const ctx = useServices();
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    e.target.value = '';
    if (files.length > 0) void applyFiles(ctx, files);
  };
  return <input ref={inputRef} type="file" multiple accept=".yaml,.yml,.json,application/json,application/yaml" hidden onChange={onChange} data-testid="deploy-file-input" />;
}
