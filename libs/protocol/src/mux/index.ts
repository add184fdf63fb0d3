export { MuxClient } from './mux.client';
export { serveLink } from './mux.server';
export type { ForwardHandler } from './mux.server';
export { INITIAL_WINDOW } from './body.window';
