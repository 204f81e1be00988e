/** A kubelet API failure with its HTTP status; the message goes out as plain text, as the kubelet's do. */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
