/** Key algorithms the PKI can generate; `rsa-4096` matches O3C's pkitool default. */
export type KeyType = 'rsa-4096' | 'rsa-2048' | 'ec-p256';

/** Receives human-readable progress lines (never secrets) for the CLI to print. */
export interface ProgressSink {
  (line: string): void;
}

/** Which CA: `provider` signs edge server certificates, `dispatcher` signs device certificates. */
export type CaKind = 'provider' | 'dispatcher';

export const KEY_TYPES: readonly KeyType[] = ['rsa-4096', 'rsa-2048', 'ec-p256'];
