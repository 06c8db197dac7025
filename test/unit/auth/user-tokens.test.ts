/**
 * End-user JWTs (src/auth/user-tokens.ts) against a local JWKS server (node:http on port 0) and a
 * shared-secret issuer: what verifies, what the result exposes, and every way a token must be
 * refused — each as a 401 `invalidToken` ApiError.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserTokenVerifier, readClaim, type UserIssuerConfig, type UserTokenVerifier } from '../../../src/auth/user-tokens.js';
import { ApiError } from '../../../src/errors.js';

const JWKS_ISSUER = 'https://idp.example.test/';
const NESTED_ISSUER = 'https://nested.example.test/';
const NAMESPACED_ISSUER = 'https://namespaced.example.test/';
const SECRET_ISSUER = 'secret-issuer';
const AUDIENCE = 'sluice-api';
const KID = 'key-1';
const SHARED_SECRET = randomBytes(32).toString('base64url'); // 43 ASCII characters
const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let server: Server;
let jwksUrl: string;
let jwksRequests = 0;
let privateKey: CryptoKey;
let publicKey: CryptoKey;
let verifier: UserTokenVerifier;

beforeAll(async () => {
  ({ privateKey, publicKey } = await generateKeyPair('RS256'));
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  server = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    jwksRequests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  verifier = createUserTokenVerifier([
    { issuer: JWKS_ISSUER, audience: AUDIENCE, jwksUrl, roleClaim: 'role' },
    { issuer: NESTED_ISSUER, jwksUrl, roleClaim: 'app_metadata.role' },
    { issuer: NAMESPACED_ISSUER, jwksUrl, roleClaim: 'https://example.test/role' },
    { issuer: SECRET_ISSUER, secret: SHARED_SECRET, roleClaim: 'role' },
  ]);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

interface SignOptions {
  readonly omit?: readonly string[];
  readonly alg?: string;
  readonly kid?: string | undefined;
  readonly key?: CryptoKey | Uint8Array;
}

/** An RS256 token from the JWKS issuer by default; override claims, header and key as needed. */
async function sign(overrides: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
  const payload: JWTPayload = {
    iss: JWKS_ISSUER,
    aud: AUDIENCE,
    sub: 'user-42',
    role: 'customer',
    iat: now(),
    exp: now() + 600,
    ...overrides,
  };
  for (const claim of options.omit ?? []) delete payload[claim];
  const alg = options.alg ?? 'RS256';
  const kid = 'kid' in options ? options.kid : KID;
  return new SignJWT(payload)
    .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
    .sign(options.key ?? privateKey);
}

/** An HS256 token from the shared-secret issuer. */
function signWithSecret(overrides: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
  return sign(
    { iss: SECRET_ISSUER, aud: undefined, ...overrides },
    { alg: 'HS256', kid: undefined, key: new TextEncoder().encode(SHARED_SECRET), ...options },
  );
}

async function expectRejected(token: string, detail: RegExp, target: UserTokenVerifier = verifier): Promise<void> {
  const error: unknown = await target.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status: 401, reason: 'invalidToken' });
  expect((error as ApiError).message).toMatch(/^Invalid or expired token: /);
  expect((error as ApiError).message).toMatch(detail);
}

describe('user tokens: valid tokens', () => {
  it('verifies a JWKS-signed token and exposes subject, role and claims', async () => {
    const user = await verifier.verify(await sign({ tenant: 'acme', scopes: ['read'] }));
    expect(user.subject).toBe('user-42');
    expect(user.role).toBe('customer');
    expect(user.claims).toMatchObject({ iss: JWKS_ISSUER, aud: AUDIENCE, sub: 'user-42', tenant: 'acme', scopes: ['read'] });
    expect(Object.isFrozen(user.claims)).toBe(true);
  });

  it('accepts an audience list that contains the configured audience', async () => {
    expect((await verifier.verify(await sign({ aud: ['other', AUDIENCE] }))).subject).toBe('user-42');
  });

  it('verifies a shared-secret (HS256) token; no audience configured means aud is not checked', async () => {
    const user = await verifier.verify(await signWithSecret({ sub: 'u-7', role: 'staff', aud: 'anything' }));
    expect(user).toMatchObject({ subject: 'u-7', role: 'staff' });
    expect((await verifier.verify(await signWithSecret())).role).toBe('customer');
  });

  it('follows a dotted roleClaim through nested objects', async () => {
    const token = await sign({ iss: NESTED_ISSUER, aud: undefined, role: undefined, app_metadata: { role: 'editor', plan: 'pro' } });
    const user = await verifier.verify(token);
    expect(user.role).toBe('editor');
    expect(user.claims.app_metadata).toEqual({ role: 'editor', plan: 'pro' });
  });

  it('prefers a claim named exactly like a dotted roleClaim (namespaced claims)', async () => {
    const token = await sign({ iss: NAMESPACED_ISSUER, aud: undefined, 'https://example.test/role': 'auditor' });
    expect((await verifier.verify(token)).role).toBe('auditor');
  });

  it('fetches the key set once and then serves keys from its cache', async () => {
    await verifier.verify(await sign());
    const before = jwksRequests;
    expect(before).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i++) await verifier.verify(await sign({ sub: `user-${i}` }));
    expect(jwksRequests).toBe(before);
  });

  it('knows which issuers it handles', () => {
    expect(verifier.handles(JWKS_ISSUER)).toBe(true);
    expect(verifier.handles(SECRET_ISSUER)).toBe(true);
    expect(verifier.handles('https://idp.example.test')).toBe(false); // exact match, no normalisation
    expect(verifier.handles('unknown')).toBe(false);
  });
});

describe('user tokens: rejected', () => {
  it('an unknown or missing issuer', async () => {
    await expectRejected(await sign({ iss: 'https://evil.example.test/' }), /unknown issuer/);
    await expectRejected(await sign({ iss: 'https://idp.example.test' }), /unknown issuer/);
    await expectRejected(await sign({}, { omit: ['iss'] }), /missing iss claim/);
    await expectRejected(await sign({ iss: 42 as unknown as string }), /missing iss claim/);
  });

  it('a wrong or missing audience', async () => {
    await expectRejected(await sign({ aud: 'another-api' }), /wrong audience/);
    await expectRejected(await sign({ aud: ['a', 'b'] }), /wrong audience/);
    await expectRejected(await sign({}, { omit: ['aud'] }), /missing aud claim/);
  });

  it('an expired token (both kinds of issuer)', async () => {
    await expectRejected(await sign({ iat: now() - 7200, exp: now() - 3600 }), /expired/);
    await expectRejected(await signWithSecret({ exp: now() - 60 }), /expired/);
  });

  it('a token without exp', async () => {
    await expectRejected(await sign({}, { omit: ['exp'] }), /missing exp claim/);
    await expectRejected(await signWithSecret({}, { omit: ['exp'] }), /missing exp claim/);
  });

  it('a token not yet valid (nbf)', async () => {
    await expectRejected(await sign({ nbf: now() + 3600 }), /not yet valid/);
  });

  it('alg: none, for either kind of issuer', async () => {
    const claims = { iss: JWKS_ISSUER, aud: AUDIENCE, sub: 'user-42', role: 'admin', iat: now(), exp: now() + 600 };
    await expectRejected(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`, /algorithm not allowed/);
    await expectRejected(`${b64url({ alg: 'none' })}.${b64url({ ...claims, iss: SECRET_ISSUER })}.`, /algorithm not allowed/);
  });

  it('an HS256 token against a JWKS issuer (algorithm confusion), whatever the HMAC key', async () => {
    const publicPem = new TextEncoder().encode(await exportSPKI(publicKey));
    await expectRejected(await sign({}, { alg: 'HS256', key: publicPem }), /algorithm not allowed/);
    await expectRejected(await sign({}, { alg: 'HS256', key: new TextEncoder().encode(SHARED_SECRET) }), /algorithm not allowed/);
  });

  it('an RS256 token claiming the shared-secret issuer', async () => {
    await expectRejected(await sign({ iss: SECRET_ISSUER }), /algorithm not allowed/);
  });

  it('an HS384 token against an HS256-only secret issuer', async () => {
    await expectRejected(await signWithSecret({}, { alg: 'HS384' }), /algorithm not allowed/);
  });

  it('a token signed by another key', async () => {
    const other = await generateKeyPair('RS256');
    await expectRejected(await sign({}, { key: other.privateKey }), /bad signature/); // same kid
    await expectRejected(await sign({}, { key: other.privateKey, kid: 'key-2' }), /no matching signing key/);
    await expectRejected(await signWithSecret({}, { key: new TextEncoder().encode('x'.repeat(40)) }), /bad signature/);
  });

  it('a token whose payload was modified after signing', async () => {
    const [header, , signature] = (await sign()).split('.') as [string, string, string];
    const forged = { iss: JWKS_ISSUER, aud: AUDIENCE, sub: 'user-42', role: 'admin', iat: now(), exp: now() + 600 };
    await expectRejected(`${header}.${b64url(forged)}.${signature}`, /bad signature/);
  });

  it('a missing, empty or non-string role claim', async () => {
    await expectRejected(await sign({}, { omit: ['role'] }), /missing role claim 'role'/);
    await expectRejected(await sign({ role: '' }), /missing role claim/);
    await expectRejected(await sign({ role: ['admin'] }), /missing role claim/);
    await expectRejected(await sign({ role: { name: 'admin' } }), /missing role claim/);
    await expectRejected(await signWithSecret({ role: 7 }), /missing role claim/);
    const nested = (app_metadata: unknown) => sign({ iss: NESTED_ISSUER, aud: undefined, role: 'admin', app_metadata });
    await expectRejected(await nested(undefined), /missing role claim 'app_metadata.role'/);
    await expectRejected(await nested('editor'), /missing role claim/);
    await expectRejected(await nested([{ role: 'editor' }]), /missing role claim/);
  });

  it('a missing or non-string sub', async () => {
    await expectRejected(await sign({}, { omit: ['sub'] }), /missing sub claim/);
    await expectRejected(await signWithSecret({}, { omit: ['sub'] }), /missing sub claim/);
    await expectRejected(await sign({ sub: 42 as unknown as string }), /invalid sub claim/);
    await expectRejected(await sign({ sub: '' }), /invalid sub claim/);
  });

  it('garbage', async () => {
    for (const token of ['', 'garbage', 'a.b.c', `${b64url({ alg: 'RS256' })}.not-json.sig`, `${'x'.repeat(20_000)}.a.b`]) {
      await expectRejected(token, /malformed token/);
    }
    await expectRejected(undefined as unknown as string, /malformed token/);
  });

  it('any token when the key set cannot be fetched', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = createUserTokenVerifier([{ issuer: JWKS_ISSUER, jwksUrl: `http://127.0.0.1:${port}/jwks.json`, roleClaim: 'role' }]);
    await expectRejected(await sign({}, { omit: ['aud'] }), /signing keys unavailable/, offline);
  });
});

describe('user tokens: configuration', () => {
  const base = { issuer: 'https://x.example.test/', roleClaim: 'role' } as const;
  const secret = 's'.repeat(32);
  const build = (configs: UserIssuerConfig[]) => () => createUserTokenVerifier(configs);

  it('accepts an empty list (no user tokens) and valid configurations', () => {
    expect(createUserTokenVerifier([]).handles('anything')).toBe(false);
    expect(build([{ ...base, secret, algorithms: ['HS256', 'HS512'] }])).not.toThrow();
    expect(build([{ ...base, jwksUrl: 'https://x.example.test/jwks', algorithms: ['ES384', 'EdDSA'] }])).not.toThrow();
  });

  it('requires exactly one of jwksUrl and secret', () => {
    expect(build([{ ...base }])).toThrow(/exactly one of jwksUrl or secret/);
    expect(build([{ ...base, secret, jwksUrl: 'https://x.example.test/jwks' }])).toThrow(/exactly one of jwksUrl or secret/);
  });

  it('requires a shared secret of at least 32 bytes', () => {
    expect(build([{ ...base, secret: 's'.repeat(31) }])).toThrow(/at least 32 bytes/);
    expect(build([{ ...base, secret: 'é'.repeat(16) }])).not.toThrow(); // 32 bytes as UTF-8
  });

  it("never allows 'none', nor an algorithm of the other family", () => {
    expect(build([{ ...base, secret, algorithms: ['none'] }])).toThrow(/'none' is never allowed/);
    expect(build([{ ...base, jwksUrl: 'https://x.example.test/jwks', algorithms: ['RS256', 'NONE'] }])).toThrow(/never allowed/);
    expect(build([{ ...base, jwksUrl: 'https://x.example.test/jwks', algorithms: ['HS256'] }])).toThrow(/cannot be used with a JWKS URL/);
    expect(build([{ ...base, secret, algorithms: ['RS256'] }])).toThrow(/cannot be used with a shared secret/);
    expect(build([{ ...base, secret, algorithms: [] }])).toThrow(/must not be empty/);
  });

  it('rejects bad URLs, empty names and duplicate issuers', () => {
    expect(build([{ ...base, jwksUrl: 'not a url' }])).toThrow(/not a valid URL/);
    expect(build([{ ...base, jwksUrl: 'file:///etc/jwks.json' }])).toThrow(/http\(s\)/);
    expect(build([{ ...base, issuer: '', secret }])).toThrow(/non-empty issuer/);
    expect(build([{ ...base, secret, roleClaim: '' }])).toThrow(/roleClaim/);
    expect(build([{ ...base, secret, audience: '' }])).toThrow(/audience/);
    expect(build([{ ...base, secret }, { ...base, secret }])).toThrow(/configured twice/);
  });
});

describe('readClaim', () => {
  it('reads exact names first, then dotted paths through own properties only', () => {
    const payload = { role: 'a', 'x.y': 'exact', x: { y: 'nested' }, deep: { a: { b: 'c' } } };
    expect(readClaim(payload, 'role')).toBe('a');
    expect(readClaim(payload, 'x.y')).toBe('exact');
    expect(readClaim(payload, 'deep.a.b')).toBe('c');
    expect(readClaim(payload, 'deep.a.b.c')).toBeUndefined();
    expect(readClaim(payload, 'missing.path')).toBeUndefined();
    expect(readClaim(payload, 'constructor')).toBeUndefined();
    expect(readClaim(payload, 'deep.constructor.name')).toBeUndefined();
    expect(readClaim(payload, '__proto__')).toBeUndefined();
  });
});
