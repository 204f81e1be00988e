// The UI server's port-forward routes as both sides see them: the main process serves them
// (main/portForwardRoutes.ts), the renderer calls them (renderer/api/portForwards.ts). Pure types
// and constants only, so the renderer may import it (scripts/importRules.mjs).

/** Where the UI server serves the forwards: `GET` lists, `POST` starts, `DELETE <path>/<id>` stops. */
export const FORWARDS_PATH = '/skiff/portforwards';

/** What the UI asks to forward: a pod's port, or a Service's port (to one ready endpoint pod). */
export interface ForwardSpec {
  kind: 'pod' | 'service';
  namespace: string;
  name: string;
  /** The pod's container port, or the Service's port. */
  port: number;
  /** 127.0.0.1 port to listen on; absent: the same number when it is free and above 1023, else any. */
  localPort?: number;
}

export type ForwardState = 'listening' | 'reconnecting' | 'error';

/** A forward as the UI server lists it. */
export interface ForwardInfo extends ForwardSpec {
  id: string;
  localPort: number;
  url: string;
  state: ForwardState;
  /** Why it is reconnecting or failed. */
  message?: string;
  /** The pod the next connection goes to, when known. */
  pod?: string;
  /** Connections open now, and served since it started. */
  connections: number;
  served: number;
}
