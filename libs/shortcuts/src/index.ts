export * from './shortcut.types';
export * from './shortcut.token';
export * from './shortcut-url.parser';
export * from './shortcut.memory';
export * from './shortcut.redis';
