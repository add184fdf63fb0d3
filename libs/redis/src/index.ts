export { connectRedis } from './redis.connect';
export { scanValues } from './redis.scan';
