import { AGE_COLUMN, NAME_COLUMN, age, col, int, o, type Printer } from './common.js';

function intOrPercent(v: unknown): string {
  return v === undefined || v === null ? 'N/A' : String(v);
}

/** kubectl get pdb: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE. */
export const pdbPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Min Available', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
    AGE_COLUMN,
  ],
  row(p, now) {
    const spec = o(p.spec);
    return { cells: [p.metadata.name, intOrPercent(spec.minAvailable), intOrPercent(spec.maxUnavailable), int(o(p.status).disruptionsAllowed), age(p, now)] };
  },
};

/** kubectl get priorityclass: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY. */
export const priorityClassPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Value', 'Value is the integer value of this priority class.', { type: 'integer' }),
    col('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority.', { type: 'boolean' }),
    AGE_COLUMN,
    col('PreemptionPolicy', 'PreemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  row(p, now) {
    const pc = p as typeof p & { value?: number; globalDefault?: boolean; preemptionPolicy?: string };
    return { cells: [p.metadata.name, pc.value ?? 0, pc.globalDefault ?? false, age(p, now), pc.preemptionPolicy ?? 'PreemptLowerPriority'] };
  },
};
