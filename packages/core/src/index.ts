export { OAuthError, StoreUnavailableError, isOAuthError, type OAuthErrorCode, type OAuthErrorOptions } from './errors.js';
export type { HeadersLike, TollgateRequest, TollgateResponse } from './http/types.js';
export { memoryStore, type MemoryStoreOptions } from './store/memory.js';
export type { Store, CodeRecord, ConsumeCodeResult, RefreshTokenRecord, RotateResult, AccessTokenRecord } from './store/types.js';
export { createKeySet, generateKey, importKey, jwkThumbprint, SIGNING_ALGORITHMS, type KeyEntry, type KeyInput, type KeySet, type Jwks, type PublicJwk, type SigningAlgorithm } from './tokens/keys.js';
export { randomToken, sha256 } from './tokens/random.js';
