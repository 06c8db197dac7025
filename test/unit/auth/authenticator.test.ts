/**
 * The authenticator remembers keys whose secret matched (it skips the HMAC of a key sent with every
 * request): what it remembers must never outlive a change of the stored key.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Authenticator, type ApiKeyView, type CredentialSource } from '../../../src/auth/authenticator.js';
import { createKeyring, generateApiKey, hashApiKeySecret } from '../../../src/auth/secrets.js';

const keyring = createKeyring(new Uint8Array(randomBytes(32)));

function setup() {
  const issued = generateApiKey();
  const stored: { view: ApiKeyView | undefined } = {
    view: {
      id: 1,
      keyPrefix: issued.displayPrefix,
      roleId: 7,
      secretHash: hashApiKeySecret(keyring, issued.keyId, issued.secret),
      isActive: true,
      expiresAt: null,
    },
  };
  const credentials: CredentialSource = {
    apiKey: async (keyId) => (keyId === issued.keyId ? stored.view : undefined),
    keyUsed: () => undefined,
    session: async () => undefined,
  };
  const authenticator = new Authenticator({
    keyring,
    adminTokens: { secret: new Uint8Array(randomBytes(32)), issuer: 'sluice', audience: 'sluice-admin', ttlSeconds: 60 },
    users: { handles: () => false, verify: async () => Promise.reject(new Error('no user issuers')) },
    credentials,
  });
  const present = (apiKey: string) => authenticator.authenticate({ apiKey, apiKeyInQuery: false });
  return { issued, stored, present };
}

describe('Authenticator: API keys', () => {
  it('accepts a key every time it is sent, and refuses a wrong secret for the same key id', async () => {
    const { issued, present } = setup();
    for (let i = 0; i < 3; i++) expect(await present(issued.plaintext)).toEqual({ kind: 'apiKey', keyId: 1, roleId: 7 });
    const wrong = `${issued.displayPrefix}_${'a'.repeat(issued.secret.length)}`;
    await expect(present(wrong)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a key it accepted before once its stored secret changes (a key re-issued under the same id)', async () => {
    const { issued, stored, present } = setup();
    await present(issued.plaintext);
    const reissued = generateApiKey();
    stored.view = { ...(stored.view as ApiKeyView), secretHash: hashApiKeySecret(keyring, issued.keyId, reissued.secret) };
    await expect(present(issued.plaintext)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a key it accepted before once it is deactivated, deleted or expired', async () => {
    const { issued, stored, present } = setup();
    const original = stored.view as ApiKeyView;
    await present(issued.plaintext);
    stored.view = { ...original, isActive: false };
    await expect(present(issued.plaintext)).rejects.toMatchObject({ status: 401 });
    stored.view = { ...original, expiresAt: new Date(Date.now() - 1000).toISOString() };
    await expect(present(issued.plaintext)).rejects.toMatchObject({ status: 401 });
    stored.view = undefined;
    await expect(present(issued.plaintext)).rejects.toMatchObject({ status: 401 });
    stored.view = original;
    expect(await present(issued.plaintext)).toMatchObject({ kind: 'apiKey', keyId: 1 });
  });
});
