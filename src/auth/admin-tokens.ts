/**
 * Admin session tokens: short-lived HS256 JWTs that Sluice both issues and verifies, signed with the
 * keyring's JWT secret (or `SLUICE_JWT_SECRET`).
 *
 * Claims: `sub` = admin id, `jti` = session id (so a session can be revoked server-side by id),
 * `email`, `iat`, `exp`, `iss`, `aud`. Verification pins the algorithm to HS256 — never the one the
 * token's header asks for, which is how `alg: none` and RS256/HS256 key-confusion attacks work — and
 * pins issuer and audience so a token minted for another purpose with the same secret is refused.
 *
 * Every failure surfaces as `authErrors.invalidToken(<short reason>)` (401); jose's errors never
 * escape. {@link joseFailureReason} turns them into those short reasons and is shared with
 * user-tokens.ts.
 */
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { ApiError, authErrors } from '../errors.js';
import { MIN_SECRET_KEY_BYTES } from './secrets.js';

/** How admin session tokens are signed and checked. */
export interface AdminTokenConfig {
  /** HS256 secret, ≥ 32 bytes (`Keyring.jwtSecret`). */
  readonly secret: Uint8Array;
  readonly issuer: string;
  readonly audience: string;
  /** Lifetime of a new token, in seconds (a positive integer). */
  readonly ttlSeconds: number;
}

/** What an admin token asserts. */
export interface AdminTokenClaims {
  readonly adminId: string;
  readonly sessionId: string;
  readonly email: string;
}

const ALGORITHM = 'HS256';
/** Tolerated clock skew between instances, in seconds, for `exp` and `iat`. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * A short, fixed description of why jose refused a token, safe to put in a 401 message: it never
 * includes text from the token itself.
 */
export function joseFailureReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (error.reason === 'missing') return `missing ${claim} claim`;
    if (claim === 'iss') return 'wrong issuer';
    if (claim === 'aud') return 'wrong audience';
    if (claim === 'nbf') return 'not yet valid';
    return `invalid ${claim} claim`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return 'algorithm not allowed';
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no matching signing key';
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return 'ambiguous signing key';
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return 'signing keys unavailable';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'malformed token';
  return 'verification failed';
}

function checkConfig(config: AdminTokenConfig): void {
  if (config.secret.length < MIN_SECRET_KEY_BYTES) throw new Error(`The admin token secret must be at least ${MIN_SECRET_KEY_BYTES} bytes`);
  if (!config.issuer || !config.audience) throw new Error('The admin token issuer and audience must not be empty');
}

/**
 * Signs an admin session token valid for `config.ttlSeconds` from now.
 *
 * @throws Error (a programming or configuration error, not a 401) on an invalid config or empty claims.
 */
export async function signAdminToken(config: AdminTokenConfig, claims: AdminTokenClaims): Promise<{ token: string; expiresAt: Date }> {
  checkConfig(config);
  if (!Number.isSafeInteger(config.ttlSeconds) || config.ttlSeconds <= 0) {
    throw new Error('The admin token lifetime must be a positive whole number of seconds');
  }
  if (!claims.adminId || !claims.sessionId) throw new Error('An admin token needs an admin id and a session id');
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + config.ttlSeconds;
  const token = await new SignJWT({ email: claims.email })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.adminId)
    .setJti(claims.sessionId)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(config.secret);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * Verifies an admin session token and returns its claims. The caller still checks that the session
 * (`sessionId`) exists and is not revoked, and that the admin still exists.
 *
 * @throws ApiError `authErrors.invalidToken(reason)` (401) for every kind of invalid token.
 */
export async function verifyAdminToken(
  config: AdminTokenConfig,
  token: string,
): Promise<{ adminId: string; sessionId: string; email: string; expiresAt: Date }> {
  checkConfig(config);
  if (typeof token !== 'string' || token.length === 0) throw authErrors.invalidToken('malformed token');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, config.secret, {
      algorithms: [ALGORITHM],
      issuer: config.issuer,
      audience: config.audience,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw authErrors.invalidToken(joseFailureReason(error));
  }
  // jose checks that exp/iat are numbers; the string claims are ours to check.
  const { sub, jti, email, exp, iat } = payload;
  if (typeof sub !== 'string' || sub === '') throw authErrors.invalidToken('invalid sub claim');
  if (typeof jti !== 'string' || jti === '') throw authErrors.invalidToken('invalid jti claim');
  if (typeof email !== 'string') throw authErrors.invalidToken('invalid email claim');
  if (exp === undefined || iat === undefined) throw authErrors.invalidToken('missing exp claim');
  // A token "issued" in the future was not issued by a correctly running Sluice.
  if (iat > Math.floor(Date.now() / 1000) + CLOCK_TOLERANCE_SECONDS) throw authErrors.invalidToken('invalid iat claim');
  return { adminId: sub, sessionId: jti, email, expiresAt: new Date(exp * 1000) };
}
