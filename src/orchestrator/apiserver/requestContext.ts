/** Who is asking: the API server passes the authenticated user; in-process callers are the system. */
export interface RequestContext {
  user: string;
  groups: string[];
  /** The user's uid, when the authenticator knows one (service accounts). */
  uid?: string;
  /** Extra attributes of the user (`authentication.kubernetes.io/credential-id`, ...). */
  extra?: Record<string, string[]>;
}

/** The identity of in-process callers (controllers, the scheduler, bootstrap). */
export const SYSTEM: RequestContext = { user: 'system:skiff', groups: ['system:masters'] };
