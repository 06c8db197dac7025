/**
 * End-user JWTs issued by the application's own identity provider (Auth0, Keycloak, Supabase,
 * Cognito, a custom HS256 signer …). Sluice never issues these; it verifies them and maps a claim to
 * a Sluice role.
 *
 * Security choices:
 * - The token's `iss` is read *unverified* only to pick which configuration to verify with; the
 *   verification then pins that very issuer, so a token cannot pick a configuration and pass as
 *   another issuer.
 * - Algorithms are pinned per issuer and the two families never mix: a JWKS issuer accepts only
 *   asymmetric algorithms, a shared-secret issuer only HS*. This rules out the classic confusion
 *   where an attacker signs HS256 with the (public) RSA key as the HMAC secret. `none` is refused at
 *   configuration time and never reaches jose.
 * - `exp` and `sub` are required: a token that never expires or names nobody is not a session.
 * - Keys come from the JWKS URL through `jose.createRemoteJWKSet`, one per issuer, created once: it
 *   caches keys, refetches on an unknown `kid` at most once per cooldown, and times out slow fetches.
 * - Every failure is `authErrors.invalidToken(<short reason>)` (401), never a jose error and never
 *   text copied from the token.
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { ApiError, authErrors } from '../errors.js';
import { joseFailureReason } from './admin-tokens.js';
import { MIN_SECRET_KEY_BYTES } from './secrets.js';

/** One trusted identity provider. */
export interface UserIssuerConfig {
  /** Expected `iss`, compared exactly. */
  readonly issuer: string;
  /** Expected `aud` (one of, when the token has several). When absent, `aud` is not checked. */
  readonly audience?: string;
  /** Exactly one of jwksUrl / secret. */
  readonly jwksUrl?: string;
  /** Shared secret for HS256/384/512 (≥ 32 bytes as UTF-8). */
  readonly secret?: string;
  /** Default: ['RS256','ES256','EdDSA','PS256'] with JWKS, ['HS256'] with a secret; 'none' is never allowed. */
  readonly algorithms?: readonly string[];
  /**
   * Claim holding the user's Sluice role; default {@link DEFAULT_ROLE_CLAIM}. A claim with exactly
   * this name wins (namespaced claims such as `https://example.com/role` contain dots); otherwise a
   * dotted path like `app_metadata.role` is followed through nested objects.
   */
  readonly roleClaim: string;
}

/** A verified end user. */
export interface VerifiedUser {
  /** The token's `sub`. */
  readonly subject: string;
  /** The value of the role claim (not yet checked against Sluice's roles). */
  readonly role: string;
  /** All claims of the verified token (a frozen copy). */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Verifies end-user tokens against the configured issuers. */
export interface UserTokenVerifier {
  /** Whether an issuer with exactly this `iss` is configured. */
  handles(issuer: string): boolean;
  /** @throws ApiError `authErrors.invalidToken(reason)` (401) for every kind of invalid token. */
  verify(token: string): Promise<VerifiedUser>;
}

export const DEFAULT_ROLE_CLAIM = 'role';

/** Asymmetric algorithms a JWKS issuer may use. */
const JWKS_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
]);
/** Symmetric algorithms a shared-secret issuer may use. */
const SECRET_ALGORITHMS: ReadonlySet<string> = new Set(['HS256', 'HS384', 'HS512']);
const DEFAULT_JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'PS256'] as const;
const DEFAULT_SECRET_ALGORITHMS = ['HS256'] as const;

const CLOCK_TOLERANCE_SECONDS = 5;
/** Far above any real token; refuses absurd input before decoding it. */
const MAX_TOKEN_LENGTH = 16 * 1024;

type KeySource =
  | { readonly kind: 'jwks'; readonly getKey: ReturnType<typeof createRemoteJWKSet> }
  | { readonly kind: 'secret'; readonly key: Uint8Array };

interface PreparedIssuer {
  readonly roleClaim: string;
  readonly keys: KeySource;
  readonly options: JWTVerifyOptions;
}

function prepare(config: UserIssuerConfig): PreparedIssuer {
  const where = `JWT issuer '${config.issuer}'`;
  if (typeof config.issuer !== 'string' || config.issuer === '') throw new Error('A JWT issuer must have a non-empty issuer');
  if (config.audience !== undefined && config.audience === '') throw new Error(`${where}: audience must not be empty`);
  if ((config.jwksUrl === undefined) === (config.secret === undefined)) {
    throw new Error(`${where}: configure exactly one of jwksUrl or secret`);
  }
  const roleClaim = config.roleClaim ?? DEFAULT_ROLE_CLAIM;
  if (typeof roleClaim !== 'string' || roleClaim === '') throw new Error(`${where}: roleClaim must not be empty`);

  const allowed = config.jwksUrl !== undefined ? JWKS_ALGORITHMS : SECRET_ALGORITHMS;
  const algorithms = [...(config.algorithms ?? (config.jwksUrl !== undefined ? DEFAULT_JWKS_ALGORITHMS : DEFAULT_SECRET_ALGORITHMS))];
  if (algorithms.length === 0) throw new Error(`${where}: algorithms must not be empty`);
  for (const algorithm of algorithms) {
    if (algorithm.toLowerCase() === 'none') throw new Error(`${where}: algorithm 'none' is never allowed`);
    if (!allowed.has(algorithm)) {
      throw new Error(
        `${where}: algorithm '${algorithm}' cannot be used with ${config.jwksUrl !== undefined ? 'a JWKS URL' : 'a shared secret'}` +
          ` (allowed: ${[...allowed].join(', ')})`,
      );
    }
  }

  let keys: KeySource;
  if (config.jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(config.jwksUrl);
    } catch {
      throw new Error(`${where}: jwksUrl is not a valid URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${where}: jwksUrl must be an http(s) URL`);
    keys = { kind: 'jwks', getKey: createRemoteJWKSet(url) };
  } else {
    const key = new TextEncoder().encode(config.secret);
    if (key.length < MIN_SECRET_KEY_BYTES) throw new Error(`${where}: the shared secret must be at least ${MIN_SECRET_KEY_BYTES} bytes`);
    keys = { kind: 'secret', key };
  }

  const options: JWTVerifyOptions = {
    algorithms,
    issuer: config.issuer,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(config.audience !== undefined ? { audience: config.audience } : {}),
  };
  return { roleClaim, keys, options };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The value at `claim`: an own property with exactly that name, else a dotted path through nested
 * objects. Only own properties are followed, so `constructor` or `__proto__` find nothing.
 */
export function readClaim(payload: Readonly<Record<string, unknown>>, claim: string): unknown {
  if (Object.hasOwn(payload, claim)) return payload[claim];
  let current: unknown = payload;
  for (const segment of claim.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/**
 * Builds a verifier for the given issuers. Configuration problems (both or neither of jwksUrl and
 * secret, a short secret, `none` or a wrong-family algorithm, duplicate issuers) throw here, at
 * startup, rather than on the first request.
 */
export function createUserTokenVerifier(issuers: readonly UserIssuerConfig[]): UserTokenVerifier {
  const byIssuer = new Map<string, PreparedIssuer>();
  for (const config of issuers) {
    if (byIssuer.has(config.issuer)) throw new Error(`JWT issuer '${config.issuer}' is configured twice`);
    byIssuer.set(config.issuer, prepare(config));
  }

  async function verifyWith(prepared: PreparedIssuer, token: string): Promise<JWTPayload> {
    const { keys, options } = prepared;
    const { payload } =
      keys.kind === 'jwks' ? await jwtVerify(token, keys.getKey, options) : await jwtVerify(token, keys.key, options);
    return payload;
  }

  return {
    handles(issuer: string): boolean {
      return byIssuer.has(issuer);
    },

    async verify(token: string): Promise<VerifiedUser> {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        throw authErrors.invalidToken('malformed token');
      }
      // Unverified: used only to choose the configuration, which then pins this same issuer.
      let unverified: JWTPayload;
      try {
        unverified = decodeJwt(token);
      } catch {
        throw authErrors.invalidToken('malformed token');
      }
      if (typeof unverified.iss !== 'string') throw authErrors.invalidToken('missing iss claim');
      const prepared = byIssuer.get(unverified.iss);
      if (prepared === undefined) throw authErrors.invalidToken('unknown issuer');

      let payload: JWTPayload;
      try {
        payload = await verifyWith(prepared, token);
      } catch (error) {
        if (error instanceof ApiError) throw error;
        // With a remote key set, anything that is not a JOSE error comes from fetching the keys
        // (connection refused, DNS, TLS): still a 401 for this request, but say what happened.
        if (prepared.keys.kind === 'jwks' && !(error instanceof joseErrors.JOSEError)) {
          throw authErrors.invalidToken('signing keys unavailable');
        }
        throw authErrors.invalidToken(joseFailureReason(error));
      }

      if (typeof payload.sub !== 'string' || payload.sub === '') throw authErrors.invalidToken('invalid sub claim');
      const role = readClaim(payload, prepared.roleClaim);
      if (typeof role !== 'string' || role === '') {
        throw authErrors.invalidToken(`missing role claim '${prepared.roleClaim}'`);
      }
      return { subject: payload.sub, role, claims: Object.freeze({ ...payload }) };
    },
  };
}
