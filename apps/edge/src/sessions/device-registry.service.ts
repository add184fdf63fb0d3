import { Inject, Injectable, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { PresenceRecord } from '@tether/presence';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import { EdgeNotifier } from '../notifications/edge-notifier.service';
import { EdgeCounters } from '../status/edge-counters';
import { clientAddress, edgeAddress } from '../edge.identity';
import { DeviceSession } from './device-session';
import { RemoteEdges } from './remote-edges';

/**
 * The devices this edge holds. Invariants: at most one session per MAC here; presence points at a
 * session only while it is open (claim on accept, compare-and-delete on close); a claim lost to a
 * newer connection (seen at claim time or by the heartbeat) closes the older session.
 */
@Injectable()
export class DeviceRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly sessions = new Map<string, DeviceSession>();
  /**
   * Sessions whose claim is under way. The claim announces the device to gateways (its invalidation is
   * published inside the script) before its reply reaches us: a stream routed by it in that gap must find
   * the session here, not be refused as "not connected" by the very edge presence names.
   */
  private readonly claiming = new Map<string, DeviceSession>();
  private readonly unclosed = new Set<DeviceSession>();
  private heartbeat?: { unref?(): void };
  private liveness?: { unref?(): void };
  private stopping = false;
  /** Set by the drain (SIGTERM): the clock time by which every device must have moved. */
  private drainingUntil?: number;
  /** Claims of devices that left while draining: kept (gateways wait for the new owner instead of answering 404), released at shutdown. */
  private readonly left = new Map<string, string>();
  private readonly remotes: RemoteEdges;
  readonly edgeId: string;
  readonly address: string;
  /** Where devices reach this edge (the server a redirect to it names); '' without listen_client. */
  readonly clientAddress: string;
  private readonly log;

  constructor(
    @Inject(EDGE_DEPS) private readonly deps: EdgeDeps,
    private readonly counters: EdgeCounters,
    @Optional() private readonly notifier?: EdgeNotifier,
  ) {
    this.edgeId = deps.config.stserverid;
    this.address = edgeAddress(deps.config);
    this.clientAddress = clientAddress(deps.config);
    this.log = deps.logger.child('edge');
    this.remotes = new RemoteEdges({ presence: deps.presence, clock: deps.clock });
  }

  async onModuleInit(): Promise<void> {
    // Two beats: the edge's own liveness key is short-lived (edge_ttl) so gateways drop a dead edge within
    // seconds; the claims (many, refreshed in batched scripts) live presence_ttl.
    const every = Math.max(1000, (this.deps.config.presence_ttl * 1000) / 3);
    this.heartbeat = this.deps.clock.setInterval(() => void this.beat(), every);
    this.heartbeat.unref?.();
    const alive = Math.max(1000, this.edgeTtlMs / 3);
    this.liveness = this.deps.clock.setInterval(() => void this.announce(), alive);
    this.liveness.unref?.();
    // Redis back (possibly empty): re-announce now rather than at the next heartbeat.
    this.deps.presence.onReconnect?.(() => void this.announce().then(() => this.beat()));
    await this.announce();
    await this.beat();
  }

  get(mac: string): DeviceSession | undefined {
    return this.sessions.get(mac);
  }

  /** Where a new stream for `mac` goes: its newest connection here, also while that one's claim is under way. */
  streamTarget(mac: string): DeviceSession | undefined {
    return this.claiming.get(mac) ?? this.sessions.get(mac);
  }

  all(): DeviceSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Claims presence for a device that finished its hello; the newest connection of a MAC wins. */
  async accept(session: DeviceSession): Promise<void> {
    // A handshake that finished while the edge stops must not claim the device for an edge that is leaving.
    if (this.stopping) return session.close('server shutting down');
    if (this.drainingUntil !== undefined) return session.close('server draining');
    this.claiming.set(session.mac, session);
    const { epoch, previous } = await this.deps.presence
      .claim({
        mac: session.mac,
        edgeId: this.edgeId,
        edgeAddress: this.address,
        connectionId: session.connectionId,
        srcaddr: session.srcaddr,
        connectedAt: session.connectedAt,
        protocolVersion: session.protocolVersion,
      })
      .finally(() => {
        if (this.claiming.get(session.mac) === session) this.claiming.delete(session.mac);
      });
    session.epoch = epoch;
    if (session.isClosed) {
      await this.deps.presence.release(session.mac, epoch);
      return;
    }
    const local = this.sessions.get(session.mac);
    this.sessions.set(session.mac, session);
    this.counters.accepted++;
    this.deps.metrics.devicesConnected(1);
    session.onClose((reason) => this.onSessionClosed(session, reason));
    this.unclosed.add(session);
    if (local && local !== session) local.close('replaced by a newer connection of the same device');
    if (previous && previous.edgeId !== this.edgeId) this.evictRemote(previous);
    session.send({ type: 'accepted', epoch });
    this.log.notice(`accepted (epoch ${epoch})`, session.logCtx);
    this.notifier?.connected(session);
  }

  private evictRemote(prev: PresenceRecord): void {
    void this.remotes.reachable(prev.edgeId).then((reachable) => {
      if (!reachable) return;
      this.deps.edgeLink
        .command(prev.edgeAddress, { mac: prev.mac, epoch: prev.epoch, command: 'evict' })
        .catch((err: Error) => {
          this.remotes.failed(prev.edgeId);
          this.log.debug(`could not tell edge ${prev.edgeId} to drop ${prev.connectionId}: ${err.message}`);
        });
    });
  }

  /** When the drain must be over (clock time); outside a drain, how long a displaced connection may finish its requests. */
  get drainDeadline(): number {
    return this.drainingUntil ?? this.deps.clock.now() + this.deps.config.drain_deadline * 1000;
  }

  /** The drain began: no device is sent here any more (liveness says draining), none is accepted. */
  async startDraining(untilMs: number): Promise<void> {
    this.drainingUntil = untilMs;
    await this.announce();
  }

  /**
   * Another edge took the device over (a redirect, a rebalance, the drain): the old connection finishes the
   * requests it carries first (make-before-break; drain_deadline at most, 0: closed at once).
   */
  displaced(session: DeviceSession): void {
    void this.retire(session, 'a newer connection of the same device took over');
  }

  /** Stops routing new streams to the session and closes it once its open ones are done (drain deadline at most). */
  retire(session: DeviceSession, reason: string): Promise<void> {
    if (this.sessions.get(session.mac) === session) {
      this.sessions.delete(session.mac);
      // Draining: kept until exit. Otherwise the new owner has overwritten it already, nothing to release.
      if (session.epoch && this.drainingUntil !== undefined) this.left.set(session.mac, session.epoch);
    }
    return session.retire(reason, this.drainDeadline);
  }

  /** Accepted connections not closed yet, retiring ones included (the drain waits for them). */
  get open(): number {
    return this.unclosed.size;
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
    this.counters.closed(reason);
    this.log.notice(`disconnected: ${reason}`, session.logCtx);
    this.notifier?.disconnected(session);
    this.unclosed.delete(session);
    if (this.sessions.get(session.mac) !== session) return;
    this.sessions.delete(session.mac);
    if (this.drainingUntil !== undefined) {
      this.left.set(session.mac, session.epoch);
      return;
    }
    this.deps.presence
      .release(session.mac, session.epoch)
      .catch((err: Error) => this.log.warn(`presence release failed: ${err.message}`, session.logCtx));
  }

  /** Never longer than the claims' own TTL. */
  private get edgeTtlMs(): number {
    return Math.min(this.deps.config.edge_ttl, this.deps.config.presence_ttl) * 1000;
  }

  /** The edge's liveness key (gateways route only to edges that have one). */
  private async announce(): Promise<void> {
    // A reconnect during shutdown must not re-announce an edge that has withdrawn.
    if (this.stopping) return;
    try {
      await this.deps.presence.announceEdge(this.edgeId, this.address, this.edgeTtlMs, {
        client: this.clientAddress || undefined,
        draining: this.drainingUntil !== undefined,
      });
    } catch (err) {
      this.log.warn(`edge liveness heartbeat failed: ${(err as Error).message}`);
    }
  }

  /** Heartbeat of every claim (re-created if Redis lost it). */
  private async beat(): Promise<void> {
    if (this.stopping) return;
    try {
      const held: PresenceRecord[] = [];
      for (const s of this.sessions.values()) if (s.epoch) held.push(this.record(s));
      const lost = await this.deps.presence.refresh(held);
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
    if (this.liveness) this.deps.clock.clearInterval(this.liveness);
    const all = this.all();
    for (const s of [...this.unclosed]) s.close('server shutting down');
    // Compare-and-delete: a claim a device's new edge already overwrote stays theirs.
    const held = [...all.map((s) => [s.mac, s.epoch] as const), ...this.left];
    await Promise.allSettled(held.map(([mac, epoch]) => this.deps.presence.release(mac, epoch)));
    await this.deps.presence.withdrawEdge(this.edgeId).catch(() => undefined);
  }
}
