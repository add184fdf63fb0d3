export * from './notification.types';
export * from './notify.sender';
export * from './client-hello.decision';
export * from './notification.queue';
export * from './memory.queue';
export * from './bullmq.queue';
