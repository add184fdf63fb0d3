import type { Mac } from '@tether/protocol';
import type { Clock, Logger } from '@tether/telemetry';
import type { StateFile } from '../state/state.file';
import { macArg, normalizeOak, providerCaArg, required, serverListArg, shownMac } from './dispatch-args';
import { DispatchError } from './dispatch.error';

/** The devices connected to this dispatcher right now (the device listener). */
export interface DeviceLinks {
  /** Tells a connected device to move to the provider; false when it is not connected here. */
  provision(mac: Mac, servers: string[], caPem: string): boolean;
}

export interface Credentials {
  verify(user: string, password: string): Promise<boolean>;
}

export interface Arrival {
  mac: Mac;
  /** Empty when the hello carried none. */
  oak: string;
  /** The presented certificate's serial (normalized hex). */
  serial: string;
}

export interface Provisioning {
  servers: string[];
  caPem: string;
}

export interface RegisterResult {
  mac: Mac;
  account: string;
  servers: string[];
  /** The device was connected here and has been told to move. */
  provisioned: boolean;
  /** Every device of the account (control moves those it holds when the list changed). */
  devices: Mac[];
  serversChanged: boolean;
}

export interface UnregisterResult {
  mac: Mac;
  account: string;
  revokedSerial: string;
}

export interface DispatchServiceOptions {
  state: StateFile;
  accounts: Credentials;
  clock: Clock;
  logger: Logger;
  /** A certificate was revoked: publish a new CRL. */
  onRevoked(): Promise<void>;
}

/**
 * The dispatcher's decisions: who may register which device (credentials, OAK, ownership), each account's
 * server list and provider CA, and what an arriving device is told. Every refusal is a DispatchError whose
 * message a provider can act on; a refused request changes nothing.
 */
export class DispatchService {
  private links: DeviceLinks = { provision: () => false };
  private readonly log: Logger;

  constructor(private readonly o: DispatchServiceOptions) {
    this.log = o.logger.child('dispatch');
  }

  attach(links: DeviceLinks): void {
    this.links = links;
  }

  private get state() {
    return this.o.state.state;
  }

  /** A device said hello: remember it; a registered one is told where to go. */
  arrived(a: Arrival): Provisioning | null {
    const previous = this.state.devices[a.mac];
    this.state.devices[a.mac] = { mac: a.mac, oak: a.oak, serial: a.serial, lastSeen: this.o.clock.now(), account: previous?.account };
    this.o.state.save();
    const account = previous?.account ? this.state.accounts[previous.account] : undefined;
    if (!account || !account.servers.length) return null;
    return { servers: account.servers, caPem: account.caPem };
  }

  private async authenticate(args: Record<string, unknown>): Promise<string> {
    const user = required(args.user, 'user');
    const pass = required(args.pass, 'pass');
    let ok: boolean;
    try {
      ok = await this.o.accounts.verify(user, pass);
    } catch (err) {
      this.log.error(`provider accounts unreadable: ${(err as Error).message}`);
      throw new DispatchError(500, 'Provider accounts unavailable');
    }
    if (!ok) {
      this.log.warn(`refused a request for account "${user}": bad credentials`);
      throw new DispatchError(401, 'Invalid user or password');
    }
    return user;
  }

  /** Reference 4.2: mac + oak assign the device to the account; a non-empty `server` replaces the account's list. */
  async register(args: Record<string, unknown>): Promise<RegisterResult> {
    // Everything checkable without the password first: a malformed request costs no scrypt.
    const mac = macArg(args.mac);
    const oak = required(args.oak, 'oak');
    const servers = serverListArg(args.server);
    const caPem = providerCaArg(args.caPem);
    const user = await this.authenticate(args);
    const device = this.state.devices[mac];
    if (!device) throw new DispatchError(404, `Unknown MAC ${shownMac(mac)}: the device has never connected to this dispatcher`);
    // The OAK first: who does not know it learns nothing about the device's owner.
    if (!device.oak || normalizeOak(device.oak) !== normalizeOak(oak)) throw new DispatchError(403, `Wrong OAK for ${shownMac(mac)}`);
    if (device.account && device.account !== user)
      throw new DispatchError(403, `Device ${shownMac(mac)} is registered to another account`);
    if (this.state.revoked.some((r) => r.serial === device.serial))
      throw new DispatchError(409, `Device ${shownMac(mac)} still presents its revoked certificate (serial ${device.serial}): it needs a new device certificate`);
    const previous = this.state.accounts[user];
    if (!servers.length && !previous?.servers.length)
      throw new DispatchError(400, `Account ${user} has no server list yet: give server`);
    const list = servers.length ? servers : previous!.servers;
    const serversChanged = !previous || list.join(',') !== previous.servers.join(',') || previous.caPem !== caPem;
    this.state.accounts[user] = { servers: list, caPem };
    device.account = user;
    this.o.state.save();
    // Every device of the account still waiting here learns the new list (this one included).
    const devices = Object.values(this.state.devices).filter((d) => d.account === user);
    let provisioned = false;
    for (const d of devices) {
      const told = this.links.provision(d.mac, list, caPem);
      if (d.mac === mac) provisioned = told;
    }
    this.log.notice(`registered ${shownMac(mac)} to ${user}, servers ${list.join(',')}${provisioned ? '' : ' (told when it next connects here)'}`);
    return { mac, account: user, servers: list, provisioned, devices: devices.map((d) => d.mac), serversChanged };
  }

  /** Reference 4.3: the device leaves the account and its certificate is revoked. */
  async unregister(args: Record<string, unknown>): Promise<UnregisterResult> {
    const mac = macArg(args.mac);
    const user = await this.authenticate(args);
    const device = this.state.devices[mac];
    if (!device) throw new DispatchError(404, `Unknown MAC ${shownMac(mac)}: the device has never connected to this dispatcher`);
    if (device.account !== user) throw new DispatchError(403, `Device ${shownMac(mac)} is not registered to account ${user}`);
    delete device.account;
    if (!this.state.revoked.some((r) => r.serial === device.serial))
      this.state.revoked.push({ serial: device.serial, mac, revokedAt: this.o.clock.now() });
    this.o.state.save();
    this.log.notice(`unregistered ${shownMac(mac)} from ${user}; revoked certificate serial ${device.serial}`);
    await this.o.onRevoked();
    return { mac, account: user, revokedSerial: device.serial };
  }
}
