/** What the dispatcher knows, as kept in its state file (dispatcher_state). */

/** A device that connected at least once; `account` once a provider registered it. */
export interface DeviceRecord {
  mac: string;
  /** The OAK its last hello carried (empty: it sent none, so it cannot be registered). */
  oak: string;
  /** Serial of the certificate it presented last (hex, upper case): what unregister revokes. */
  serial: string;
  /** ms since the epoch. */
  lastSeen: number;
  account?: string;
}

/** A provider account's dispatch settings; the credentials live in dispatcher_accounts. */
export interface AccountRecord {
  servers: string[];
  /** The provider CA the devices of this account are given (the last one a register sent). */
  caPem: string;
}

export interface RevokedCertificate {
  serial: string;
  mac: string;
  /** ms since the epoch. */
  revokedAt: number;
}

export interface DispatcherState {
  version: 1;
  /** The <id> of /crl/<id>.crl when dispatcher_crl_id is empty: made once, kept. */
  crlId: string;
  /** The CRL number extension: grows with every CRL signed. */
  crlNumber: number;
  devices: Record<string, DeviceRecord>;
  accounts: Record<string, AccountRecord>;
  revoked: RevokedCertificate[];
}
