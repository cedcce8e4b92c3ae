export { createRedis, pingRedis } from './createRedis';
export type { CreateRedisOptions } from './createRedis';
export { redisSecurity } from './redisSecurity';
export type { RedisSecurity, RedisSecuritySettings } from './redisSecurity';
export { IdempotencyStore } from './IdempotencyStore';
export { CursorStore } from './CursorStore';
export { DueQueue } from './DueQueue';
export type { DueItem } from './DueQueue';
export type { default as Redis } from 'ioredis';
