import { parseCpu, parseMemory } from '../../api/quantity.js';

/** CPU limit -> Docker NanoCpus (`500m` -> 5e8); undefined when absent, invalid or zero. */
export function cpuToNanoCpus(q: string | undefined): number | undefined {
  const millis = parseCpu(q);
  return millis && millis > 0 ? millis * 1_000_000 : undefined;
}

/** Memory limit -> bytes (`128Mi` -> 134217728); undefined when absent, invalid or zero. */
export function memoryToBytes(q: string | undefined): number | undefined {
  const bytes = parseMemory(q);
  return bytes && bytes > 0 ? bytes : undefined;
}

/** Bytes as the kubelet reports node memory: whole KiB (`16318412Ki`). */
export function formatMemoryKi(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}
