/**
 * Rate limits (express-rate-limit), answered with IETF draft-8 `RateLimit` / `RateLimit-Policy`
 * headers naming the policy, and on 429 with `Retry-After` and the error envelope.
 *
 * - `api`: `rateLimit.requestsPerMinute` per caller on every `/api/v1` request. It runs after
 *   authentication, so the caller is the API key (its id, never the secret), the admin, the end
 *   user (issuer + subject), or — without credentials — the client IP (IPv6 grouped by /56). Requests
 *   whose credentials are refused count against their IP too, so guessing keys or tokens is braked.
 * - `login`: `rateLimit.loginPerMinute` per client IP on `POST /api/v1/system/admin/session`.
 *
 * Counters live in memory (per instance) unless `redisUrl` is set; then in Redis, shared by every
 * instance. Redis being down never takes the API down: the store fails at once (no offline queue,
 * short command timeout) and requests pass without a limit (fail open), logged at most once a
 * minute, until Redis answers again.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ipKeyGenerator, rateLimit, type IncrementResponse, type Options, type RateLimitInfo, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { memoized } from '../collections.js';
import type { Config } from '../config/config-schema.js';
import { isApiError, requestErrors } from '../errors.js';
import { clientIpOf, contextOf, type DataResponse, type ErrorMiddleware, type Middleware, type Trust } from './exchange.js';

const WINDOW_MS = 60_000;
const CONNECT_TIMEOUT_MS = 2000;
/** Not the SHA1 of any loaded script: EVALSHA answers NOSCRIPT, on which RedisStore (re)loads its script. */
const UNLOADED_SCRIPT = '0'.repeat(40);

/**
 * RedisStore loads its Lua scripts once, at start-up, and keeps a rejected promise forever if Redis
 * was not answering then. This store starts "unloaded" and forgets a failed load, so it recovers
 * whenever Redis comes (back) up.
 */
class RecoveringRedisStore extends RedisStore {
  override async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    this.incrementScriptSha = Promise.resolve(UNLOADED_SCRIPT);
    this.getScriptSha = Promise.resolve(UNLOADED_SCRIPT);
  }

  override async increment(key: string): Promise<IncrementResponse> {
    try {
      return await super.increment(key);
    } catch (error) {
      this.incrementScriptSha = Promise.resolve(UNLOADED_SCRIPT);
      throw error;
    }
  }
}

/**
 * A Redis client that fails fast while disconnected and keeps reconnecting; outages logged once each.
 * ioredis is loaded only when Redis is configured (it costs every CLI start ~0.2 s otherwise).
 */
export async function connectRedis(url: string, logger: Logger, commandTimeoutMs = 1000): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    enableOfflineQueue: false,
    // Past this a request is served uncounted (fail open). The timer runs on the event loop, so a
    // busy process (e.g. the embedded PGlite working in-thread) can trip it with Redis healthy.
    commandTimeout: commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 250, 5000),
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ reason: error.message }, 'Redis is not answering: rate limits are not enforced until it does');
  });
  client.on('ready', () => {
    if (down) logger.info('Redis answers again: rate limits are enforced');
    down = false;
  });
  // Without an offline queue, commands sent before the connection is up fail (and their requests
  // go uncounted): start serving once it is ready, or after the connect timeout if Redis is down.
  await new Promise<void>((resolve) => {
    if (client.status === 'ready') return resolve();
    const timer = setTimeout(resolve, CONNECT_TIMEOUT_MS);
    timer.unref();
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return client;
}

export async function closeRedis(client: Redis): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/** express-rate-limit's logger: while Redis is down every request reports a store error, once a minute is enough. */
function limiterLogger(logger: Logger): Options['logger'] {
  let lastError = 0;
  return {
    warn: (error: unknown, message?: string) => logger.warn({ err: error }, message ?? 'rate limiter warning'),
    error: (error: unknown, message?: string) => {
      if (Date.now() - lastError < WINDOW_MS) return;
      lastError = Date.now();
      logger.error({ err: error }, message ?? 'rate limiter error');
    },
  };
}

const ipKey = (req: IncomingMessage, trust: Trust) => `ip:${ipKeyGenerator(clientIpOf(req, trust) ?? 'unknown', 56)}`;

/** The bucket of a request to the API: who authentication says it is, else where it comes from. */
function callerKey(req: IncomingMessage, res: DataResponse, trust: Trust): string {
  const principal = contextOf(res).principal;
  switch (principal.kind) {
    case 'apiKey':
      return `key:${principal.keyId}`;
    case 'admin':
      return `admin:${principal.adminId}`;
    case 'user':
      return `user:${String(principal.claims.iss ?? '')}:${principal.subject}`;
    case 'anonymous':
      return ipKey(req, trust);
  }
}

interface LimiterDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly redis?: Redis | undefined;
  /** Which proxies' X-Forwarded-For to believe for the client IP (see exchange.ts). */
  readonly trust: Trust;
}

/** Partition keys by bucket: a bounded memo, emptied when full (callers come back far more often than they are new). */
const partitionKeys = new Map<string, string>();
const MAX_PARTITION_KEYS = 10_000;

/** The draft-8 partition key of a bucket, as express-rate-limit derives it: never the bucket itself (an API key id, an IP). */
function partitionKeyOf(key: string): string {
  return memoized(partitionKeys, key, MAX_PARTITION_KEYS, hashedPartitionKey);
}

function hashedPartitionKey(key: string): string {
  return Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
}

/** Seconds until the bucket's window resets (the whole window when the store does not say). */
const secondsUntilReset = (info: RateLimitInfo) => (info.resetTime ? Math.max(0, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000)) : WINDOW_MS / 1000);

/**
 * IETF draft-8 `RateLimit` and `RateLimit-Policy`, written as express-rate-limit's `standardHeaders:
 * 'draft-8'` writes them, except that the partition key (a SHA-256 of the bucket) is remembered per
 * bucket instead of computed for every request.
 */
function setPolicyHeaders(res: ServerResponse, policy: string, info: RateLimitInfo): void {
  if (res.headersSent) return;
  res.appendHeader('RateLimit', `"${policy}"; r=${info.remaining}; t=${secondsUntilReset(info)}`);
  res.appendHeader('RateLimit-Policy', `"${policy}"; q=${info.limit}; w=${WINDOW_MS / 1000}; pk=:${partitionKeyOf(info.key)}:`);
}

/** What express-rate-limit leaves on the request it counted (absent when its store failed). */
const infoOf = (req: IncomingMessage) => (req as IncomingMessage & { rateLimit?: RateLimitInfo }).rateLimit;

/**
 * express-rate-limit counts (its stores: memory, or Redis); the headers are written here (see
 * setPolicyHeaders). It reads only Node's request and response besides what `keyGenerator` and
 * `handler` read (its IP checks run in its default key generator, which is not used here).
 */
function limiter(policy: 'api' | 'login', limit: number, keyGenerator: (req: IncomingMessage, res: DataResponse) => string, deps: LimiterDeps): Middleware {
  const { redis } = deps;
  const store: Store | undefined = redis
    ? new RecoveringRedisStore({
        sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
        prefix: `${deps.config.redisKeyPrefix}rl:${policy}:`,
      })
    : undefined;
  const middleware = rateLimit({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator,
    ...(store ? { store } : {}),
    passOnStoreError: true,
    logger: limiterLogger(deps.logger),
    // Its check that no request is counted twice keeps a WeakMap entry per request; each request
    // passes one limiter of each policy (the 401 path runs the API limiter only when it did not run).
    validate: { singleCount: false },
    handler: (req, res, next) => {
      const info = infoOf(req);
      // At least a second: a client told to retry after 0 s would come back inside the same window.
      const retryAfter = Math.max(1, info ? secondsUntilReset(info) : WINDOW_MS / 1000);
      if (info) setPolicyHeaders(res, policy, info);
      if (!res.headersSent) res.setHeader('Retry-After', String(retryAfter));
      next(requestErrors.rateLimited(policy, limit, WINDOW_MS / 1000, retryAfter));
    },
  }) as unknown as Middleware;
  return (req, res, next) =>
    middleware(req, res, (error?: unknown) => {
      if (error === undefined) {
        const info = infoOf(req);
        if (info) setPolicyHeaders(res, policy, info);
      }
      next(error);
    });
}

export interface RateLimits {
  /** For every `/api/v1` request, after authentication (empty when the limit is 0). */
  readonly api: readonly (Middleware | ErrorMiddleware)[];
  /** For `POST /api/v1/system/admin/session` (empty when the limit is 0). */
  readonly login: readonly Middleware[];
}

export function rateLimits(deps: LimiterDeps): RateLimits {
  const { requestsPerMinute, loginPerMinute } = deps.config.rateLimit;
  const { trust } = deps;
  const api = requestsPerMinute > 0 ? limiter('api', requestsPerMinute, (req, res) => callerKey(req, res, trust), deps) : undefined;
  // A 401 skips the handlers after authentication: count it against the IP here, then pass it on.
  const countRefused: ErrorMiddleware = (error, req, res, next) => {
    if (!api || !isApiError(error) || error.status !== 401) return next(error);
    void api(req, res, (limitError?: unknown) => next(limitError ?? error));
  };
  return {
    api: api ? [api, countRefused] : [],
    login: loginPerMinute > 0 ? [limiter('login', loginPerMinute, (req) => ipKey(req, trust), deps)] : [],
  };
}
