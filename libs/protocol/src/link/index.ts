export { LinkClient } from './link.client';
export { serveLink } from './link.server';
export { STREAM_WINDOW } from './stream.window';
export { encodePacket, decodePacket } from './link.frame';
export type { ChannelEvents, ChannelOpener, DeviceTunnel, LeasedChannel, StreamSink, TunnelStream } from './link.types';
