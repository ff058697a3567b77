import type restify from 'restify';

/**
 * Token-bucket rate limiting.
 *
 * `TokenBucketLimiter` is pure: it keeps one bucket per key (an IP, a conversation id, a token
 * digest, an agent's login name…), each holding up to `capacity` tokens and regaining
 * `refillPerSecond` tokens per second. `take(key)` spends one token or says how long to wait.
 * Time comes from an injectable clock so tests never sleep. Memory is bounded: a bucket that has
 * refilled completely carries no information and is dropped, and when `maxKeys` is reached the
 * least recently used keys are evicted first (a flood of distinct keys cannot grow memory without
 * bound; an evicted key starts again with a full bucket, which errs on the side of serving).
 *
 * Usage (stable API, used by the agent sign-in too):
 * ```ts
 * const limiter = new TokenBucketLimiter({ capacity: 10, refillPerSecond: 10 / 60 });
 * const verdict = limiter.take(ip);          // { allowed: true, remaining } or { allowed: false, retryAfterSeconds }
 * // in a restify handler:
 * enforceRateLimit(limiter, clientIp(req, trustProxy), res); // throws RateLimitedError → 429 + Retry-After
 * ```
 */

/** Capacity and refill of every bucket of one limiter. */
export interface RateLimitOptions {
  /** The burst: how many requests a quiet key may make at once (≥ 1). */
  capacity: number;
  /** Sustained rate: tokens regained per second (> 0). `capacity / 60` = "capacity per minute". */
  refillPerSecond: number;
  /** Most keys remembered at once (default 10,000); least recently used are evicted beyond it. */
  maxKeys?: number;
  /** Milliseconds since an arbitrary epoch; `Date.now` by default. Injected by tests. */
  now?: () => number;
}

/** Outcome of one `take`. */
export type RateLimitVerdict =
  | { allowed: true; remaining: number }
  | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** A keyed token bucket; see the module comment. */
export class TokenBucketLimiter {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Insertion order = recency order (a touched key is re-inserted), so the first key is the LRU. */
  private readonly buckets = new Map<string, Bucket>();
  private takesSinceSweep = 0;

  constructor(options: RateLimitOptions) {
    if (!(options.capacity >= 1)) throw new RangeError('rate limit capacity must be at least 1');
    if (!(options.refillPerSecond > 0)) throw new RangeError('rate limit refillPerSecond must be greater than 0');
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.maxKeys = Math.max(1, options.maxKeys ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  /** Spends one token of `key`'s bucket, or answers how many whole seconds until one is back. */
  take(key: string, cost = 1): RateLimitVerdict {
    const now = this.now();
    const bucket = this.refilled(key, now);
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    this.sweepIfDue(now);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    const missing = cost - bucket.tokens;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / this.refillPerSecond)) };
  }

  /** Number of keys currently remembered (for tests and /health-style introspection). */
  get size(): number {
    return this.buckets.size;
  }

  /** Forgets every bucket (e.g. between tests). */
  clear(): void {
    this.buckets.clear();
  }

  private refilled(key: string, now: number): Bucket {
    const existing = this.buckets.get(key);
    if (!existing) return { tokens: this.capacity, updatedAt: now };
    const elapsedSeconds = Math.max(0, now - existing.updatedAt) / 1000;
    return {
      tokens: Math.min(this.capacity, existing.tokens + elapsedSeconds * this.refillPerSecond),
      updatedAt: now,
    };
  }

  /** Drops full (idle) buckets now and then, and the least recently used beyond `maxKeys`. */
  private sweepIfDue(now: number): void {
    this.takesSinceSweep += 1;
    if (this.takesSinceSweep >= 1000 || this.buckets.size > this.maxKeys) {
      this.takesSinceSweep = 0;
      const fullAfterMs = (this.capacity / this.refillPerSecond) * 1000;
      for (const [key, bucket] of this.buckets) {
        if (now - bucket.updatedAt >= fullAfterMs) this.buckets.delete(key);
      }
    }
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) break;
      this.buckets.delete(oldest.value);
    }
  }
}

/** Thrown by `enforceRateLimit`; carries what the 429 answer needs. */
export class RateLimitedError extends Error {
  readonly status = 429;
  readonly code = 'rate_limited';
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many requests; try again in ${retryAfterSeconds} s.`,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }

  /** `{ error: { code: 'rate_limited', message } }`, the shape of every API error. */
  get body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** A limiter that never refuses, for settings that turn a limit off. */
export const unlimited: Pick<TokenBucketLimiter, 'take'> = {
  take: () => ({ allowed: true, remaining: Number.POSITIVE_INFINITY }),
};

/**
 * Spends one token of `key`; when none is left, sets `Retry-After` on `res` and throws a
 * `RateLimitedError` (an error with `status` 429 and `body`) for the route's error handling to
 * send. Use `sendRateLimited` instead when the route writes its own answers.
 */
export function enforceRateLimit(
  limiter: Pick<TokenBucketLimiter, 'take'>,
  key: string,
  res: restify.Response,
  message?: string,
): void {
  const verdict = limiter.take(key);
  if (verdict.allowed) return;
  res.header('Retry-After', String(verdict.retryAfterSeconds));
  throw new RateLimitedError(verdict.retryAfterSeconds, message);
}

/**
 * Spends one token of `key`; when none is left answers 429 with `Retry-After` and the JSON error
 * shape itself and returns false (the handler must then stop). Returns true when the request may go on.
 */
export function allowOrSend429(
  limiter: Pick<TokenBucketLimiter, 'take'>,
  key: string,
  res: restify.Response,
  message?: string,
): boolean {
  const verdict = limiter.take(key);
  if (verdict.allowed) return true;
  sendRateLimited(res, new RateLimitedError(verdict.retryAfterSeconds, message));
  return false;
}

/** Writes a 429 answer for `error` (with `Retry-After`). */
export function sendRateLimited(res: restify.Response, error: RateLimitedError): void {
  res.header('Retry-After', String(error.retryAfterSeconds));
  res.json(429, error.body);
}

/**
 * The address a request came from. `X-Forwarded-For` is only believed when `trustProxy` is set
 * (the server runs behind a reverse proxy that overwrites it); otherwise any client could pick a
 * fresh "address" per request and walk past every per-IP limit. With a trusted proxy the
 * right-most entry is used: it is the one the proxy itself appended.
 */
export function clientIp(req: restify.Request, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.header('x-forwarded-for');
    if (forwarded) {
      const entries = forwarded.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
      const last = entries.at(-1);
      if (last) return last;
    }
  }
  return req.socket?.remoteAddress ?? req.connection?.remoteAddress ?? 'unknown';
}
