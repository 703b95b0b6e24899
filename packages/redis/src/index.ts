export { redisStore, failFastRedisOptions, type RedisStore, type RedisStoreOptions } from './store.js';
