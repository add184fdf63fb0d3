export * from './schema.types';
export { parseListen, formatListen, isLoopback } from './key-kinds';
export * from './config.schema';
export * from './config.loader';
export * from './listener';
export * from './config.holder';
export { effectiveCrlMode } from './config.combinations';
