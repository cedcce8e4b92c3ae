export { createRedis, pingRedis } from './createRedis';
export type { CreateRedisOptions } from './createRedis';
export { IdempotencyStore } from './IdempotencyStore';
export { CursorStore } from './CursorStore';
export { DueQueue } from './DueQueue';
export type { DueItem } from './DueQueue';
export type { default as Redis } from 'ioredis';
