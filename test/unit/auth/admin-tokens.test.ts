/**
 * Admin session JWTs (src/auth/admin-tokens.ts): the round trip, and every way a token must be
 * refused — each as a 401 `invalidToken` ApiError, never a jose error.
 */
import { randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { signAdminToken, verifyAdminToken, type AdminTokenConfig } from '../../../src/auth/admin-tokens.js';
import { ApiError } from '../../../src/errors.js';

const config: AdminTokenConfig = {
  secret: new Uint8Array(randomBytes(32)),
  issuer: 'sluice',
  audience: 'sluice-admin',
  ttlSeconds: 3600,
};
const claims = { adminId: 'adm_1', sessionId: 'ses_1', email: 'admin@example.com' };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A token with the right secret and the given claims; `omit` drops claims, `alg` changes the algorithm. */
async function craft(
  overrides: JWTPayload = {},
  { omit = [], alg = 'HS256', secret = config.secret }: { omit?: string[]; alg?: string; secret?: Uint8Array } = {},
): Promise<string> {
  const payload: JWTPayload = {
    sub: claims.adminId,
    jti: claims.sessionId,
    email: claims.email,
    iss: config.issuer,
    aud: config.audience,
    iat: now(),
    exp: now() + 600,
    ...overrides,
  };
  for (const claim of omit) delete payload[claim];
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(secret);
}

async function expectRejected(token: string, detail?: RegExp): Promise<ApiError> {
  const error: unknown = await verifyAdminToken(config, token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  const apiError = error as ApiError;
  expect(apiError.status).toBe(401);
  expect(apiError.reason).toBe('invalidToken');
  expect(apiError.message).toMatch(/^Invalid or expired token: /);
  if (detail) expect(apiError.message).toMatch(detail);
  return apiError;
}

describe('admin tokens', () => {
  it('round-trips: sign then verify gives the claims back', async () => {
    const before = now();
    const { token, expiresAt } = await signAdminToken(config, claims);
    expect(token.split('.')).toHaveLength(3);
    expect(Math.round(expiresAt.getTime() / 1000) - before).toBeGreaterThanOrEqual(3600);
    expect(Math.round(expiresAt.getTime() / 1000) - before).toBeLessThanOrEqual(3601);
    const verified = await verifyAdminToken(config, token);
    expect(verified).toEqual({ ...claims, expiresAt });
  });

  it('puts the documented claims and header in the token', async () => {
    const { token } = await signAdminToken(config, claims);
    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({
      sub: 'adm_1',
      jti: 'ses_1',
      email: 'admin@example.com',
      iss: 'sluice',
      aud: 'sluice-admin',
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
  });

  it('accepts a token crafted with the right secret and claims (the helper below is sound)', async () => {
    expect((await verifyAdminToken(config, await craft())).adminId).toBe('adm_1');
  });

  it('tolerates a few seconds of clock skew, no more', async () => {
    await expect(verifyAdminToken(config, await craft({ exp: now() - 2 }))).resolves.toMatchObject({ adminId: 'adm_1' });
    await expectRejected(await craft({ exp: now() - 30 }), /expired/);
  });

  it('rejects an alg: none token', async () => {
    const payload = { sub: 'adm_1', jti: 'ses_1', email: 'a@b.c', iss: config.issuer, aud: config.audience, iat: now(), exp: now() + 600 };
    await expectRejected(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`, /algorithm not allowed/);
    await expectRejected(`${b64url({ alg: 'none' })}.${b64url(payload)}.`);
  });

  it('rejects HS512 even with the right secret (wrong algorithm)', async () => {
    await expectRejected(await craft({}, { alg: 'HS512' }), /algorithm not allowed/);
    await expectRejected(await craft({}, { alg: 'HS384' }), /algorithm not allowed/);
  });

  it('rejects an RS256-signed token', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ email: 'a@b.c' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('adm_1')
      .setJti('ses_1')
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    await expectRejected(token, /algorithm not allowed/);
  });

  it('rejects a token signed with another secret', async () => {
    await expectRejected(await craft({}, { secret: new Uint8Array(randomBytes(32)) }), /bad signature/);
    const other = await signAdminToken({ ...config, secret: new Uint8Array(randomBytes(32)) }, claims);
    await expectRejected(other.token, /bad signature/);
  });

  it('rejects an expired token', async () => {
    await expectRejected(await craft({ iat: now() - 7200, exp: now() - 3600 }), /expired/);
  });

  it('rejects a wrong issuer or audience', async () => {
    await expectRejected(await craft({ iss: 'someone-else' }), /wrong issuer/);
    await expectRejected(await craft({ aud: 'sluice-api' }), /wrong audience/);
    await expectRejected(await craft({ aud: ['a', 'b'] }), /wrong audience/);
    const otherConfig = { ...config, audience: 'other' };
    const { token } = await signAdminToken(otherConfig, claims);
    await expectRejected(token, /wrong audience/);
  });

  it('rejects tokens missing a required claim', async () => {
    await expectRejected(await craft({}, { omit: ['exp'] }), /missing exp claim/);
    await expectRejected(await craft({}, { omit: ['jti'] }), /missing jti claim/);
    await expectRejected(await craft({}, { omit: ['sub'] }), /missing sub claim/);
    await expectRejected(await craft({}, { omit: ['iat'] }), /missing iat claim/);
    await expectRejected(await craft({}, { omit: ['iss'] }), /missing iss claim/);
    await expectRejected(await craft({}, { omit: ['aud'] }), /missing aud claim/);
    await expectRejected(await craft({}, { omit: ['email'] }), /email/);
  });

  it('rejects claims of the wrong type or a future iat', async () => {
    await expectRejected(await craft({ sub: 42 as unknown as string }), /sub/);
    await expectRejected(await craft({ sub: '' }), /sub/);
    await expectRejected(await craft({ jti: '' }), /jti/);
    await expectRejected(await craft({ exp: 'tomorrow' as unknown as number }), /exp/);
    await expectRejected(await craft({ iat: now() + 3600 }), /iat/);
  });

  it('rejects garbage', async () => {
    for (const token of ['', 'garbage', 'a.b.c', 'a.b', '....', `${b64url({ alg: 'HS256' })}.not-json.sig`, 'x'.repeat(10_000)]) {
      await expectRejected(token);
    }
    await expectRejected(undefined as unknown as string);
  });

  it('rejects a token with a valid signature but a modified payload', async () => {
    const { token } = await signAdminToken(config, claims);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const modified = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object), sub: 'adm_root' };
    await expectRejected(`${header}.${b64url(modified)}.${signature}`, /bad signature/);
    // Also a header change (e.g. adding a kid) invalidates the signature.
    await expectRejected(`${b64url({ alg: 'HS256', typ: 'JWT', kid: 'x' })}.${payload}.${signature}`, /bad signature/);
  });

  it('refuses to sign or verify with a bad configuration (a programming error, not a 401)', async () => {
    await expect(signAdminToken({ ...config, secret: new Uint8Array(16) }, claims)).rejects.toThrow(/at least 32 bytes/);
    await expect(signAdminToken({ ...config, ttlSeconds: 0 }, claims)).rejects.toThrow(/positive/);
    await expect(signAdminToken({ ...config, ttlSeconds: 1.5 }, claims)).rejects.toThrow(/positive/);
    await expect(signAdminToken(config, { ...claims, sessionId: '' })).rejects.toThrow(/session id/);
    await expect(verifyAdminToken({ ...config, secret: new Uint8Array(16) }, 'x')).rejects.toThrow(/at least 32 bytes/);
  });
});
