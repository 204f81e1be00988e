/** The finalizer that makes deleting a Host stop its agent and remove its containers first. */
export const HOST_FINALIZER = 'skiff.dev/host-cleanup';

export type { Host, HostPhase, HostSpec, HostStatus, HostStep, StepState } from '../api/types.js';
