/**
 * Anything long-lived that must be torn down: a watch, a timer, a subscription, a server. `dispose`
 * is idempotent and never throws; owners dispose what they started, in reverse order.
 */
export interface Disposable {
  dispose(): void;
}
