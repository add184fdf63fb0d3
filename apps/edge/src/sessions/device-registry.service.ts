import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { PresenceRecord } from '@tether/presence';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import { edgeAddress } from '../edge.identity';
import { DeviceSession } from './device-session';

/**
 * The devices this edge holds. Invariants: at most one session per MAC here; presence points at a
 * session only while it is open (claim on accept, compare-and-delete on close); a claim lost to a
 * newer connection (seen at claim time or by the heartbeat) closes the older session.
 */
@Injectable()
export class DeviceRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly sessions = new Map<string, DeviceSession>();
  private heartbeat?: { unref?(): void };
  private stopping = false;
  readonly edgeId: string;
  readonly address: string;
  private readonly log;

  constructor(@Inject(EDGE_DEPS) private readonly deps: EdgeDeps) {
    this.edgeId = deps.config.stserverid;
    this.address = edgeAddress(deps.config);
    this.log = deps.logger.child('edge');
  }

  async onModuleInit(): Promise<void> {
    const every = Math.max(1000, (this.deps.config.presence_ttl * 1000) / 3);
    this.heartbeat = this.deps.clock.setInterval(() => void this.beat(), every);
    this.heartbeat.unref?.();
    // Redis back (possibly empty): re-announce now rather than at the next heartbeat.
    this.deps.presence.onReconnect?.(() => void this.beat());
    await this.beat();
  }

  get(mac: string): DeviceSession | undefined {
    return this.sessions.get(mac);
  }

  all(): DeviceSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Claims presence for a device that finished its hello; the newest connection of a MAC wins. */
  async accept(session: DeviceSession): Promise<void> {
    const { epoch, previous } = await this.deps.presence.claim({
      mac: session.mac,
      edgeId: this.edgeId,
      edgeAddress: this.address,
      connectionId: session.connectionId,
      srcaddr: session.srcaddr,
      connectedAt: session.connectedAt,
      protocolVersion: session.protocolVersion,
    });
    session.epoch = epoch;
    if (session.isClosed) {
      await this.deps.presence.release(session.mac, epoch);
      return;
    }
    const local = this.sessions.get(session.mac);
    this.sessions.set(session.mac, session);
    this.deps.metrics.devicesConnected(1);
    session.onClose((reason) => this.onSessionClosed(session, reason));
    if (local && local !== session) local.close('replaced by a newer connection of the same device');
    if (previous && previous.edgeId !== this.edgeId) this.evictRemote(previous);
    session.send({ type: 'accepted', epoch });
    this.log.notice(`accepted (epoch ${epoch})`, session.logCtx);
  }

  private evictRemote(prev: PresenceRecord): void {
    this.deps.edgeLink
      .command(prev.edgeAddress, { mac: prev.mac, epoch: prev.epoch, command: 'evict' })
      .catch((err: Error) =>
        this.log.debug(`could not tell edge ${prev.edgeId} to drop ${prev.connectionId}: ${err.message}`),
      );
  }

  /** Closes the local connection of `mac` if it is the given epoch (any epoch when empty). */
  evict(mac: string, epoch: string, reason: string): boolean {
    const s = this.sessions.get(mac);
    if (!s || (epoch && s.epoch !== epoch)) return false;
    s.close(reason);
    return true;
  }

  private onSessionClosed(session: DeviceSession, reason: string): void {
    this.deps.metrics.devicesConnected(-1);
    this.log.notice(`disconnected: ${reason}`, session.logCtx);
    if (this.sessions.get(session.mac) !== session) return;
    this.sessions.delete(session.mac);
    this.deps.presence
      .release(session.mac, session.epoch)
      .catch((err: Error) => this.log.warn(`presence release failed: ${err.message}`, session.logCtx));
  }

  /** Heartbeat: the edge key, then every claim (re-created if Redis lost it). */
  private async beat(): Promise<void> {
    // A reconnect during shutdown must not re-announce an edge that has withdrawn.
    if (this.stopping) return;
    try {
      await this.deps.presence.announceEdge(this.edgeId, this.address);
      const held = this.all().filter((s) => s.epoch);
      const lost = await this.deps.presence.refresh(held.map((s) => this.record(s)));
      for (const mac of lost) this.sessions.get(mac)?.close('a newer connection of the same device took over');
    } catch (err) {
      this.log.warn(`presence heartbeat failed: ${(err as Error).message}`);
    }
  }

  private record(s: DeviceSession): PresenceRecord {
    return {
      mac: s.mac,
      edgeId: this.edgeId,
      edgeAddress: this.address,
      connectionId: s.connectionId,
      epoch: s.epoch,
      srcaddr: s.srcaddr,
      connectedAt: s.connectedAt,
      protocolVersion: s.protocolVersion,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.heartbeat) this.deps.clock.clearInterval(this.heartbeat);
    const all = this.all();
    for (const s of all) s.close('server shutting down');
    await Promise.allSettled(all.map((s) => this.deps.presence.release(s.mac, s.epoch)));
    await this.deps.presence.withdrawEdge(this.edgeId).catch(() => undefined);
  }
}
