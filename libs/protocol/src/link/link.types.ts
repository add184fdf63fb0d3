import type { TunnelError } from '../tunnel.error';

/** Where a stream's bytes from the device go (the gateway's user connection). */
export interface StreamSink {
  data(chunk: Buffer): void;
  /** The device's side closed cleanly: a body delimited by the connection's close ends here. */
  end(): void;
  /** Refused (device offline, busy) or broken (device gone, edge gone). Nothing follows. */
  fail(err: TunnelError): void;
  /** The device is leaving this edge: give the stream back once nothing is owed on it (see FrameType.GoAway). */
  goAway?(): void;
}

/** The gateway's end of one byte stream to a device's web server. */
export interface TunnelStream {
  /** Bytes for the device; false once its window is used up: stop until `onDrain`. */
  write(chunk: Buffer): boolean;
  onDrain?: () => void;
  /**
   * The sink's consumer took `bytes` (written on without back-pressure): the edge may send more.
   * `atOnce`: they went straight through with nothing queued, which grows the stream's window.
   */
  ack(bytes: number, atOnce?: boolean): void;
  /** Done at a message boundary: the device connection behind it may serve another stream. */
  release(): void;
  /** Abandoned mid-message: the device connection behind it is closed. */
  reset(): void;
}

/** How the gateway reaches devices through one edge. */
export interface DeviceTunnel {
  open(mac: string, srcaddr: string, sink: StreamSink): TunnelStream;
  /** Resolves when the edge answers a ping: tells a frozen edge from a slow device. */
  ping(): Promise<void>;
}

/** What serves a stream on the edge: one device connection (an SSH channel to its web server). */
export interface ChannelEvents {
  data(chunk: Buffer): void;
  end(): void;
  /** Closed without a clean end (device gone, channel refused mid-way). */
  close(reason: string): void;
  /** Bytes written with back-pressure have left. */
  drain(): void;
  /** The device is leaving this edge: the stream should be given back at its next message boundary. */
  goAway?(): void;
}

export interface LeasedChannel {
  /** false: buffers are full, wait for drain(). */
  write(chunk: Buffer): boolean;
  /** Bytes written but not yet passed on (0: they went straight through). */
  readonly queued: number;
  bind(events: ChannelEvents): void;
  pause(): void;
  resume(): void;
  /** Back to the device's pool of idle connections. */
  release(): void;
  destroy(): void;
}

/** Finds the device and leases one of its connections; rejects with a TunnelError. */
export type ChannelOpener = (mac: string, srcaddr: string) => Promise<LeasedChannel>;
