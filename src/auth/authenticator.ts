/**
 * Credentials → Principal. In order:
 * - an API key in the query string is refused outright (401): query strings end up in logs;
 * - `X-API-Key`: parsed, looked up by its key id, its secret compared in constant time against the
 *   stored HMAC; revoked, inactive or expired keys are 401;
 * - `Authorization: Bearer <jwt>`: an admin session token (our issuer) is verified and its session
 *   must still be open and its admin active; otherwise the token must come from a configured
 *   end-user issuer and carry a role claim;
 * - nothing: the anonymous principal (the authorizer decides whether anonymous may do anything).
 * Every failure is the same kind of 401 for a given credential type, so answers reveal nothing
 * about which part was wrong.
 *
 * May import: auth, errors (the store sits behind CredentialSource).
 */
import { authErrors } from '../errors.js';
import { verifyAdminToken, type AdminTokenConfig } from './admin-tokens.js';
import { ANONYMOUS, type Principal } from './principal.js';
import { apiKeySecretMatches, parseApiKey, type Keyring } from './secrets.js';
import type { UserTokenVerifier } from './user-tokens.js';

export interface ApiKeyView {
  readonly id: number;
  /** `<prefix>_<keyId>` as issued: a key presented under another prefix is not this key. */
  readonly keyPrefix: string;
  readonly roleId: number;
  readonly secretHash: string;
  readonly isActive: boolean;
  readonly expiresAt: string | null;
}

export interface SessionView {
  readonly adminId: number;
  readonly revoked: boolean;
  readonly expiresAt: string;
  readonly adminActive: boolean;
}

/** What authentication needs from the metadata store. */
export interface CredentialSource {
  apiKey(keyId: string): Promise<ApiKeyView | undefined>;
  /** Records that a key was used (the source may throttle the writes). */
  keyUsed(id: number): void;
  session(sessionId: string): Promise<SessionView | undefined>;
}

/** What a request presented. */
export interface PresentedCredentials {
  readonly apiKey?: string;
  readonly authorization?: string;
  /** True when the query string carries something that looks like an API key parameter. */
  readonly apiKeyInQuery: boolean;
}

export interface AuthenticatorOptions {
  readonly keyring: Keyring;
  readonly adminTokens: AdminTokenConfig;
  readonly users: UserTokenVerifier;
  readonly credentials: CredentialSource;
  readonly now?: () => Date;
}

/** Query parameters that would carry an API key if we accepted one there (we do not). */
export const API_KEY_QUERY_PARAMETERS = ['api_key', 'apikey', 'api-key', 'x-api-key'];

/** How many verified keys `Authenticator` remembers; past it, it starts over. */
const VERIFIED_KEYS_MAX = 1024;

export class Authenticator {
  /**
   * Keys as presented whose secret matched, each with the stored hash it matched. The HMAC of a key
   * sent with every request is the same every time: while the stored hash is unchanged, a match is
   * known. A hit needs the whole valid key, so it tells a caller nothing they did not send.
   */
  readonly #verifiedKeys = new Map<string, string>();

  constructor(private readonly options: AuthenticatorOptions) {}

  async authenticate(presented: PresentedCredentials): Promise<Principal> {
    if (presented.apiKeyInQuery) throw authErrors.apiKeyInQuery();
    if (presented.apiKey !== undefined) return this.apiKey(presented.apiKey);
    if (presented.authorization !== undefined) return this.bearer(presented.authorization);
    return ANONYMOUS;
  }

  private async apiKey(presented: string): Promise<Principal> {
    const text = presented.trim();
    const parsed = parseApiKey(text);
    if (!parsed) throw authErrors.invalidApiKey();
    const key = await this.options.credentials.apiKey(parsed.keyId);
    const storedHash = key?.secretHash ?? '';
    // Compare even when the key is unknown or revoked, so timing does not tell them apart.
    const matches =
      (storedHash !== '' && this.#verifiedKeys.get(text) === storedHash) || apiKeySecretMatches(this.options.keyring, parsed.keyId, parsed.secret, storedHash);
    if (matches) this.#rememberVerified(text, storedHash);
    const samePrefix = key?.keyPrefix === `${parsed.prefix}_${parsed.keyId}`;
    if (!key || !matches || !samePrefix || !key.isActive) throw authErrors.invalidApiKey();
    if (key.expiresAt !== null && new Date(key.expiresAt) <= this.now()) throw authErrors.invalidApiKey();
    this.options.credentials.keyUsed(key.id);
    return { kind: 'apiKey', keyId: key.id, roleId: key.roleId };
  }

  private async bearer(header: string): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw authErrors.invalidToken('expected "Authorization: Bearer <token>"');
    const token = match[1];
    const issuer = unverifiedIssuer(token);
    if (issuer === this.options.adminTokens.issuer) {
      const claims = await verifyAdminToken(this.options.adminTokens, token);
      const session = await this.options.credentials.session(claims.sessionId);
      if (!session || session.revoked || String(session.adminId) !== claims.adminId) throw authErrors.invalidToken('the session has ended');
      if (!session.adminActive) throw authErrors.invalidToken('the admin account is inactive');
      return { kind: 'admin', adminId: session.adminId, sessionId: claims.sessionId };
    }
    if (issuer !== undefined && this.options.users.handles(issuer)) {
      const user = await this.options.users.verify(token);
      return { kind: 'user', subject: user.subject, roleName: user.role, claims: user.claims };
    }
    throw authErrors.invalidToken('unknown issuer');
  }

  #rememberVerified(text: string, storedHash: string): void {
    if (this.#verifiedKeys.get(text) === storedHash) return;
    if (this.#verifiedKeys.size >= VERIFIED_KEYS_MAX) this.#verifiedKeys.clear();
    this.#verifiedKeys.set(text, storedHash);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** The `iss` claim of a JWT, read without verifying it — only to choose how to verify. */
function unverifiedIssuer(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload || payload.length > 16_384) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null && typeof (claims as { iss?: unknown }).iss === 'string'
      ? (claims as { iss: string }).iss
      : undefined;
  } catch {
    return undefined;
  }
}
