export * from './free-port';
export * from './redis-server.fixture';
export * from './test-pki.fixture';
export * from './tether-process.fixture';
export * from './origin-server.fixture';
export * from './curl.client';
export * from './proxy.client';
export * from './tether-cluster.fixture';
