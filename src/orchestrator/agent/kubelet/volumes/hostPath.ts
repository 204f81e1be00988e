import { close, open } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { promisify } from 'node:util';

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

export const HOST_PATH_TYPES: readonly HostPathType[] = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

/** What the engine should do with a hostPath the agent checked. */
export interface HostPathResult {
  /** The agent could not create the directory (it is not root): let the engine (root) create it. */
  engineCreates: boolean;
}

const openAsync = promisify(open);
const closeAsync = promisify(close);

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * The hostPath `type` check of the kubelet (`checkTypeInternal`), with its messages: `Directory`
 * must be a directory, `File` a file, and so on; the `...OrCreate` types create what is missing
 * (a 0755 directory, an empty 0644 file). Type `''` checks nothing, and a missing path is created
 * as a directory when mounted (what the Docker engine does for a bind, and the kubelet for Docker).
 * An agent that is not root may be refused the mkdir where root would not be: the engine then
 * creates the directory itself.
 */
export async function checkHostPath(path: string, type: HostPathType | string): Promise<HostPathResult> {
  const st = await statOrUndefined(path);
  const fail = (what: string) => new Error(`hostPath type check failed: ${path} is not ${what}`);
  switch (type) {
    case '':
      return { engineCreates: !st };
    case 'DirectoryOrCreate':
      if (!st) {
        try {
          await mkdir(path, { recursive: true, mode: 0o755 });
          return { engineCreates: false };
        } catch (e) {
          if (code(e) === 'EACCES' || code(e) === 'EPERM' || code(e) === 'EROFS') return { engineCreates: true };
          throw e;
        }
      }
      if (!st.isDirectory()) throw fail('a directory');
      return { engineCreates: false };
    case 'Directory':
      if (!st?.isDirectory()) throw fail('a directory');
      return { engineCreates: false };
    case 'FileOrCreate':
      if (!st) {
        await closeAsync(await openAsync(path, 'a', 0o644));
        return { engineCreates: false };
      }
      if (!st.isFile()) throw fail('a file');
      return { engineCreates: false };
    case 'File':
      if (!st?.isFile()) throw fail('a file');
      return { engineCreates: false };
    case 'Socket':
      if (!st?.isSocket()) throw fail('a socket file');
      return { engineCreates: false };
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw fail('a character device');
      return { engineCreates: false };
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw fail('a block device');
      return { engineCreates: false };
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}
