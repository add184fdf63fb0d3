/** A refused provider request: the HTTP status the API answers and the message control shows the provider. */
export class DispatchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
