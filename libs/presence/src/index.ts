export * from './presence.types';
export * from './presence.memory';
export * from './presence.redis';
