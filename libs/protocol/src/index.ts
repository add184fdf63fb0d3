export * from './mac';
export * from './tunnel.constants';
export * from './control.message';
export * from './tunnel.types';
export * from './tunnel.error';
export * from './tunnel.wire';
export * from './tunnel.grpc';
export * from './http.headers';
