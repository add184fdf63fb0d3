/** An operator-facing failure (CA exists, CA missing, wrong password, bad MAC, ...): message is meant to be printed as is. */
export class PkiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PkiError';
  }
}
