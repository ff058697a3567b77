import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

const ISSUER = 'tierdesk';
const AUDIENCE = 'tierdesk:directline';

/** Why a bearer credential was refused; routes map it to 401 (unknown/forged) or 403 (expired). */
export class TokenError extends Error {
  constructor(
    readonly reason: 'missing' | 'invalid' | 'expired',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

/**
 * What a conversation token grants: one conversation, as one user. `user` is also the claim
 * botframework-webchat reads to learn its user id, so the client and the bot agree on it.
 */
export const tokenClaimsSchema = z.object({
  conv: z.string().min(1),
  user: z.string().min(1),
  exp: z.number().int(),
});
export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

/** A freshly signed token and how long it lives, in Direct Line's response shape. */
export interface IssuedToken {
  conversationId: string;
  token: string;
  expires_in: number;
}

/**
 * Signs and checks Direct Line conversation tokens (HS256 JWTs). The signing key is derived from
 * the site secret rather than being the secret itself, so a token never reveals anything usable
 * as the secret, and rotating the secret invalidates every token.
 */
export class DirectLineTokens {
  private readonly signingKey: Uint8Array;
  private readonly secretBytes: Buffer;

  constructor(
    siteSecret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.secretBytes = Buffer.from(siteSecret, 'utf8');
    this.signingKey = createHmac('sha256', this.secretBytes).update('tierdesk/directline/token-signing/v1').digest();
  }

  /** A token for `conversationId` as `userId`, valid for the configured lifetime. */
  async issue(conversationId: string, userId: string): Promise<IssuedToken> {
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const token = await new SignJWT({ conv: conversationId, user: userId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .sign(this.signingKey);
    return { conversationId, token, expires_in: this.ttlSeconds };
  }

  /** The claims of a valid token; throws TokenError when it is expired, forged or malformed. */
  async verify(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.signingKey, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: this.now(),
      });
      const claims = tokenClaimsSchema.safeParse(payload);
      if (!claims.success) throw new TokenError('invalid', 'The token does not name a conversation and user.');
      return claims.data;
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('expired', 'The token has expired; get a new one.');
      throw new TokenError('invalid', 'The token is not valid for this bot.');
    }
  }

  /** True when `candidate` is the site secret (constant-time comparison). */
  isSiteSecret(candidate: string): boolean {
    const bytes = Buffer.from(candidate, 'utf8');
    return bytes.length === this.secretBytes.length && timingSafeEqual(bytes, this.secretBytes);
  }
}

/** The credential of an `Authorization: Bearer …` header; throws TokenError('missing') when there is none. */
export function bearerCredential(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match?.[1] === undefined) throw new TokenError('missing', 'Send "Authorization: Bearer <token>".');
  return match[1];
}
