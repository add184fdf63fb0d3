export * from './cluster-bus';
export * from './cluster-topics';
export * from './memory-cluster-bus';
export * from './redis-cluster-bus';
export * from './cluster-node';
export * from './gather';
export * from './log-relay';
export * from './debug-listener';
