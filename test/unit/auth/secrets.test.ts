/**
 * The master key, the keyring derived from it, password hashing and API keys (src/auth/secrets.ts).
 * Black-box where possible: derived subkeys are not exposed, so their independence is shown by what
 * they cannot do (the JWT secret or the raw master key cannot open a sealed value, …).
 */
import { createDecipheriv, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY_ID_LENGTH,
  API_KEY_SECRET_LENGTH,
  apiKeySecretMatches,
  createKeyring,
  dummyPasswordHash,
  generateApiKey,
  hashApiKeySecret,
  hashPassword,
  loadOrCreateSecretKey,
  parseApiKey,
  parseSecretKey,
  validatePassword,
  verifyPassword,
} from '../../../src/auth/secrets.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('parseSecretKey', () => {
  it('accepts hex (lower or upper case, surrounding whitespace ignored)', () => {
    const bytes = randomBytes(32);
    expect(hex(parseSecretKey(bytes.toString('hex')))).toBe(bytes.toString('hex'));
    expect(hex(parseSecretKey(`  ${bytes.toString('hex').toUpperCase()}\n`))).toBe(bytes.toString('hex'));
    expect(parseSecretKey(randomBytes(64).toString('hex'))).toHaveLength(64);
  });

  it('accepts standard base64, with or without padding', () => {
    // 0xfb 0xef 0xbe encodes as '++++' and 0xff 0xff 0xff as '////': make sure both special characters occur.
    const bytes = Buffer.concat([Buffer.from([0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff]), randomBytes(27)]);
    const text = bytes.toString('base64');
    expect(text).toMatch(/\+.*\//);
    expect(hex(parseSecretKey(text))).toBe(bytes.toString('hex'));
    const padded = randomBytes(32).toString('base64');
    expect(padded.endsWith('=')).toBe(true);
    expect(hex(parseSecretKey(padded))).toBe(hex(Buffer.from(padded, 'base64')));
    expect(hex(parseSecretKey(padded.replace(/=+$/, '')))).toBe(hex(Buffer.from(padded, 'base64')));
    expect(hex(parseSecretKey(`${padded}\n`))).toBe(hex(Buffer.from(padded, 'base64')));
  });

  it('accepts base64url', () => {
    const bytes = Buffer.concat([Buffer.from([0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff]), randomBytes(30)]);
    const text = bytes.toString('base64url');
    expect(text).toMatch(/-.*_/);
    expect(hex(parseSecretKey(text))).toBe(bytes.toString('hex'));
  });

  it('prefers hex for even-length hex-digit strings of 64+ characters, base64 otherwise', () => {
    // 64 hex digits → 32 bytes as hex (as base64 it would be 48 bytes).
    expect(parseSecretKey('ab'.repeat(32))).toHaveLength(32);
    // 44 hex-digit characters are too short for hex, so they are read as base64 (33 bytes).
    expect(parseSecretKey('abcd'.repeat(11))).toHaveLength(33);
  });

  it('rejects keys shorter than 32 bytes, saying what is expected', () => {
    for (const text of [randomBytes(31).toString('base64'), randomBytes(16).toString('hex'), randomBytes(16).toString('base64url')]) {
      expect(() => parseSecretKey(text)).toThrow(/at least 32 bytes, base64 or hex encoded.*openssl rand -base64 32/);
    }
  });

  it('rejects text that is not base64 or hex, without echoing it', () => {
    const goodB64 = randomBytes(32).toString('base64');
    const cases = [
      '',
      '   ',
      'not a key at all, definitely not one!!!!!!!!!',
      `${goodB64.slice(0, 20)} ${goodB64.slice(20)}`, // inner whitespace
      `${goodB64.slice(0, 40)}*${goodB64.slice(41)}`, // invalid character
      `+${randomBytes(33).toString('base64url').slice(1)}_`, // mixed alphabets
      `${randomBytes(33).toString('base64')}=`, // padding where none is due
      'A'.repeat(45), // impossible length (45 % 4 === 1)
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB', // non-canonical trailing bits
    ];
    for (const text of cases) {
      let message = '';
      try {
        parseSecretKey(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, JSON.stringify(text)).toMatch(/SLUICE_SECRET_KEY must be at least 32 bytes/);
      if (text.trim().length > 10) expect(message).not.toContain(text.trim());
    }
  });
});

describe('loadOrCreateSecretKey', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'sluice-secrets-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates a 32-byte key with mode 0600 (and the directory with 0700), then reads the same key back', async () => {
    const dataDir = path.join(root, 'fresh', 'data');
    const first = await loadOrCreateSecretKey(dataDir);
    expect(first.created).toBe(true);
    expect(first.path).toBe(path.join(dataDir, 'secret.key'));
    expect(first.key).toHaveLength(32);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const text = await readFile(first.path, 'utf8');
    expect(text).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);

    const second = await loadOrCreateSecretKey(dataDir);
    expect(second.created).toBe(false);
    expect(hex(second.key)).toBe(hex(first.key));
  });

  it('reads an existing key written by an operator (hex works too)', async () => {
    const dataDir = await mkdtemp(path.join(root, 'existing-'));
    const bytes = randomBytes(32);
    await writeFile(path.join(dataDir, 'secret.key'), `${bytes.toString('hex')}\n`, { mode: 0o600 });
    const loaded = await loadOrCreateSecretKey(dataDir);
    expect(loaded.created).toBe(false);
    expect(hex(loaded.key)).toBe(bytes.toString('hex'));
  });

  it('lets exactly one of several concurrent callers create the key; all get the same key', async () => {
    const dataDir = path.join(root, 'concurrent');
    const results = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSecretKey(dataDir)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => hex(r.key))).size).toBe(1);
    expect(hex(parseSecretKey(await readFile(path.join(dataDir, 'secret.key'), 'utf8')))).toBe(hex(results[0]!.key));
  });

  it('throws, naming the path, when the file does not hold a valid key (and does not overwrite it)', async () => {
    for (const content of ['', 'garbage\n', `${randomBytes(16).toString('base64')}\n`]) {
      const dataDir = await mkdtemp(path.join(root, 'corrupt-'));
      const file = path.join(dataDir, 'secret.key');
      await writeFile(file, content);
      await expect(loadOrCreateSecretKey(dataDir)).rejects.toThrow(file);
      expect(await readFile(file, 'utf8')).toBe(content);
    }
  });
});

describe('keyring: encryption', () => {
  const keyring = createKeyring(randomBytes(32));

  it('round-trips ASCII, unicode, empty and long strings', () => {
    for (const plaintext of ['postgres://user:p%40ss@db:5432/app', '🔑 naïve — 日本語 \u0000 end', '', 'x'.repeat(100_000)]) {
      const sealed = keyring.encrypt(plaintext);
      expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
      expect(sealed).not.toContain(plaintext || '\u0001');
      expect(keyring.decrypt(sealed)).toBe(plaintext);
    }
  });

  it('seals as v1. + base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag)', () => {
    const sealed = keyring.encrypt('hello');
    expect(Buffer.from(sealed.slice(3), 'base64url')).toHaveLength(12 + 5 + 16);
  });

  it('uses a random IV: the same plaintext seals differently every time', () => {
    const outputs = new Set(Array.from({ length: 50 }, () => keyring.encrypt('same')));
    expect(outputs.size).toBe(50);
    const ivs = new Set([...outputs].map((s) => Buffer.from(s.slice(3), 'base64url').subarray(0, 12).toString('hex')));
    expect(ivs.size).toBe(50);
  });

  it('decrypts with another keyring built from the same master key (restart)', () => {
    const master = randomBytes(32);
    expect(createKeyring(master).decrypt(createKeyring(master).encrypt('persisted'))).toBe('persisted');
  });

  it('throws when any byte of the sealed value is modified', () => {
    const sealed = keyring.encrypt('secret dsn');
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = Buffer.from(bytes);
        tampered[i]! ^= mask;
        expect(() => keyring.decrypt(`v1.${tampered.toString('base64url')}`), `byte ${i}`).toThrow(/Cannot decrypt/);
      }
    }
  });

  it('throws when any character of the sealed text is changed (including slack bits of the last one)', () => {
    const sealed = keyring.encrypt('secret dsn');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 3; i < sealed.length; i++) {
      const replacement = alphabet[(alphabet.indexOf(sealed[i]!) + 1) % 64]!;
      const tampered = sealed.slice(0, i) + replacement + sealed.slice(i + 1);
      expect(() => keyring.decrypt(tampered), `char ${i}`).toThrow(/Cannot decrypt/);
    }
  });

  it('throws on truncation and extension', () => {
    const sealed = keyring.encrypt('secret dsn');
    expect(() => keyring.decrypt(sealed.slice(0, -4))).toThrow(/Cannot decrypt/);
    expect(() => keyring.decrypt(sealed + 'AAAA')).toThrow(/Cannot decrypt/);
  });

  it('throws with a wrong key', () => {
    const sealed = keyring.encrypt('secret dsn');
    expect(() => createKeyring(randomBytes(32)).decrypt(sealed)).toThrow(/Cannot decrypt/);
  });

  it('throws on other formats', () => {
    const sealed = keyring.encrypt('secret dsn');
    const body = sealed.slice(3);
    for (const text of ['', 'v1.', 'v1.AAAA', 'v2.' + body, body, 'V1.' + body, `v1.${body}=`, `v1.${body} `, 'v1.!!!!', 'postgres://x']) {
      expect(() => keyring.decrypt(text), JSON.stringify(text)).toThrow(/Cannot decrypt/);
    }
  });

  it('binds associated data: decrypt needs the same value', () => {
    const sealed = keyring.encrypt('postgres://a', 'service:shop');
    expect(keyring.decrypt(sealed, 'service:shop')).toBe('postgres://a');
    expect(() => keyring.decrypt(sealed, 'service:other')).toThrow(/Cannot decrypt/);
    expect(() => keyring.decrypt(sealed)).toThrow(/Cannot decrypt/);
    expect(() => keyring.decrypt(keyring.encrypt('postgres://a'), 'service:shop')).toThrow(/Cannot decrypt/);
  });

  it('rejects a master key shorter than 32 bytes', () => {
    expect(() => createKeyring(randomBytes(31))).toThrow(/at least 32 bytes/);
  });
});

describe('keyring: derived keys', () => {
  const master = randomBytes(32);
  const keyring = createKeyring(master);

  it('has a short stable hex fingerprint per master key, different across keys, not revealing the key', () => {
    expect(keyring.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(createKeyring(Buffer.from(master)).fingerprint).toBe(keyring.fingerprint);
    expect(createKeyring(randomBytes(32)).fingerprint).not.toBe(keyring.fingerprint);
    expect(master.toString('hex')).not.toContain(keyring.fingerprint);
    // The fingerprint does not depend on an explicit JWT secret.
    expect(createKeyring(master, { jwtSecret: randomBytes(32) }).fingerprint).toBe(keyring.fingerprint);
  });

  it('hmac: hex SHA-256, deterministic per key, different across keys, not keyed by the master key itself', () => {
    const mac = keyring.hmac('data');
    expect(mac).toMatch(/^[0-9a-f]{64}$/);
    expect(createKeyring(master).hmac('data')).toBe(mac);
    expect(keyring.hmac('data2')).not.toBe(mac);
    expect(createKeyring(randomBytes(32)).hmac('data')).not.toBe(mac);
    expect(createHmac('sha256', master).update('data').digest('hex')).not.toBe(mac);
    expect(createHmac('sha256', keyring.jwtSecret).update('data').digest('hex')).not.toBe(mac);
  });

  it('derives a 32-byte JWT secret that is neither the master key nor the encryption key', () => {
    const jwtSecret = keyring.jwtSecret;
    expect(jwtSecret).toHaveLength(32);
    expect(hex(jwtSecret)).not.toBe(master.toString('hex'));
    expect(hex(createKeyring(master).jwtSecret)).toBe(hex(jwtSecret));
    expect(hex(createKeyring(randomBytes(32)).jwtSecret)).not.toBe(hex(jwtSecret));
    // Neither the JWT secret nor the raw master key opens a sealed value: the encryption key is its own.
    const bytes = Buffer.from(keyring.encrypt('plaintext').slice(3), 'base64url');
    for (const candidate of [jwtSecret, master]) {
      const decipher = createDecipheriv('aes-256-gcm', candidate, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      decipher.update(bytes.subarray(12, bytes.length - 16));
      expect(() => decipher.final()).toThrow();
    }
  });

  it('hands out copies of the JWT secret', () => {
    const copy = keyring.jwtSecret;
    copy.fill(0);
    expect(hex(keyring.jwtSecret)).not.toBe(hex(copy));
  });

  it('uses an explicit JWT secret instead of the derived one, leaving the other keys alone', () => {
    const explicit = randomBytes(48);
    const overridden = createKeyring(master, { jwtSecret: explicit });
    expect(hex(overridden.jwtSecret)).toBe(explicit.toString('hex'));
    expect(overridden.decrypt(keyring.encrypt('x'))).toBe('x');
    expect(overridden.hmac('data')).toBe(keyring.hmac('data'));
  });

  it('rejects an explicit JWT secret shorter than 32 bytes', () => {
    expect(() => createKeyring(master, { jwtSecret: randomBytes(31) })).toThrow(/SLUICE_JWT_SECRET must be at least 32 bytes/);
    expect(() => createKeyring(master, { jwtSecret: new Uint8Array() })).toThrow(/at least 32 bytes/);
  });
});

describe('passwords', () => {
  const STORED = /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/;

  it('hashes in the documented format and verifies the right password only', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(STORED);
    expect(stored).not.toContain('correct');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('uses a fresh salt per hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same password', b)).toBe(true);
  });

  it('normalises unicode (NFC), so composed and decomposed accents match', async () => {
    const stored = await hashPassword('caf\u00e9-au-lait');
    expect(await verifyPassword('cafe\u0301-au-lait', stored)).toBe(true);
  });

  it('reads the scrypt parameters from the stored string', async () => {
    const salt = randomBytes(16);
    const hash = scryptSync('legacy password', salt, 32, { N: 1024, r: 4, p: 2 });
    const stored = `scrypt$1024$4$2$${salt.toString('base64')}$${hash.toString('base64')}`;
    expect(await verifyPassword('legacy password', stored)).toBe(true);
    expect(await verifyPassword('legacy password', stored.replace('$1024$', '$2048$'))).toBe(false);
    expect(await verifyPassword('legacy password', stored.replace('$4$2$', '$4$1$'))).toBe(false);
    // Also the hash length.
    const long = scryptSync('legacy password', salt, 64, { N: 1024, r: 4, p: 2 });
    expect(await verifyPassword('legacy password', `scrypt$1024$4$2$${salt.toString('base64')}$${long.toString('base64')}`)).toBe(true);
  });

  it('returns false, without throwing, for malformed stored strings', async () => {
    const good = await hashPassword('a fine password');
    const [, , , , salt, hash] = good.split('$') as [string, string, string, string, string, string];
    const cases = [
      '',
      'scrypt',
      'not a hash',
      `bcrypt$32768$8$1$${salt}$${hash}`,
      `scrypt$32768$8$1$${salt}`,
      `scrypt$32768$8$1$${salt}$${hash}$extra`,
      `scrypt$32767$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$1$8$1$${salt}$${hash}`,
      `scrypt$1073741824$8$1$${salt}$${hash}`, // N above the limit
      `scrypt$032768$8$1$${salt}$${hash}`,
      `scrypt$0x8000$8$1$${salt}$${hash}`,
      `scrypt$32768$0$1$${salt}$${hash}`,
      `scrypt$32768$8$-1$${salt}$${hash}`,
      `scrypt$32768$1000$1$${salt}$${hash}`,
      `scrypt$32768$8$1$!!!!$${hash}`,
      `scrypt$32768$8$1$${salt}$${hash.slice(0, 8)}`, // hash too short
      `scrypt$32768$8$1$$${hash}`,
      `scrypt$32768$8$1$${salt}$`,
      `${good}x`.repeat(20),
    ];
    for (const stored of cases) expect(await verifyPassword('a fine password', stored), stored).toBe(false);
    expect(await verifyPassword('a fine password', undefined as unknown as string)).toBe(false);
  });

  it('refuses to hash a password outside the length bounds, and never verifies an overlong one', async () => {
    await expect(hashPassword('short')).rejects.toThrow(/at least 8/);
    const stored = await hashPassword('a fine password');
    expect(await verifyPassword('x'.repeat(1025), stored)).toBe(false);
    expect(await verifyPassword('x'.repeat(1_000_000), stored)).toBe(false);
  });

  it('validatePassword: 8 to 1024 characters (code points)', () => {
    expect(validatePassword('1234567')).toMatch(/at least 8 characters/);
    expect(validatePassword('')).toMatch(/at least 8 characters/);
    expect(validatePassword('12345678')).toBeUndefined();
    expect(validatePassword('x'.repeat(1024))).toBeUndefined();
    expect(validatePassword('x'.repeat(1025))).toMatch(/at most 1024 characters/);
    expect(validatePassword('🔑'.repeat(7))).toMatch(/at least 8/); // 14 UTF-16 units, 7 characters
    expect(validatePassword('🔑'.repeat(8))).toBeUndefined();
    expect(validatePassword('🔑'.repeat(1024))).toBeUndefined();
    expect(validatePassword('🔑'.repeat(1025))).toMatch(/at most 1024/);
    expect(validatePassword('x'.repeat(10_000_000))).toMatch(/at most 1024/);
  });

  it('offers a dummy hash, computed once, that is valid and matches no guessable password', async () => {
    const [a, b] = await Promise.all([dummyPasswordHash(), dummyPasswordHash()]);
    expect(a).toBe(b);
    expect(await dummyPasswordHash()).toBe(a);
    expect(a).toMatch(STORED);
    expect(await verifyPassword('password', a)).toBe(false);
  });

  it('costs about the same to verify against the dummy hash as against a real one', async () => {
    const real = await hashPassword('a real password');
    const dummy = await dummyPasswordHash();
    const time = async (stored: string) => {
      const start = performance.now();
      await verifyPassword('a guess at it', stored);
      return performance.now() - start;
    };
    await time(real);
    const [tReal, tDummy] = [await time(real), await time(dummy)];
    // Generous bounds: both run the same scrypt; only gross differences (e.g. a skipped hash) fail.
    expect(tDummy).toBeGreaterThan(tReal / 10);
    expect(tReal).toBeGreaterThan(tDummy / 10);
  });
});

describe('API keys', () => {
  const keyring = createKeyring(randomBytes(32));
  const FORMAT = /^sluice_[a-z2-7]{16}_[a-z2-7]{32}$/;

  it('generates <prefix>_<keyId>_<secret> with the documented alphabets and lengths', () => {
    const key = generateApiKey();
    expect(key.plaintext).toMatch(FORMAT);
    expect(key.keyId).toMatch(/^[a-z2-7]{16}$/);
    expect(key.secret).toMatch(/^[a-z2-7]{32}$/);
    expect(key.displayPrefix).toBe(`sluice_${key.keyId}`);
    expect(key.plaintext).toBe(`${key.displayPrefix}_${key.secret}`);
    expect(key.displayPrefix).not.toContain(key.secret);
    expect(generateApiKey('acme2').plaintext).toMatch(/^acme2_[a-z2-7]{16}_[a-z2-7]{32}$/);
  });

  it('carries at least 128 random bits in the secret, by construction', () => {
    // base32: 5 bits per character, from exactly 20 random bytes.
    expect(API_KEY_SECRET_LENGTH * Math.log2(32)).toBeGreaterThanOrEqual(128);
    expect(API_KEY_ID_LENGTH * Math.log2(32)).toBe(80);
    // And the generator really uses the whole alphabet at every position (P(miss) ≈ 32·32·(31/32)^1000 ≈ 2e-11).
    const secrets = Array.from({ length: 1000 }, () => generateApiKey().secret);
    for (let position = 0; position < API_KEY_SECRET_LENGTH; position++) {
      expect(new Set(secrets.map((s) => s[position])).size, `position ${position}`).toBe(32);
    }
  });

  it('never repeats over 1000 keys', () => {
    const keys = Array.from({ length: 1000 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1000);
    expect(new Set(keys.map((k) => k.secret)).size).toBe(1000);
    expect(new Set(keys.map((k) => k.plaintext)).size).toBe(1000);
  });

  it('rejects invalid prefixes', () => {
    for (const prefix of ['', 'a', 'A1', 'Sluice', '1abc', 'ab_c', 'ab-c', 'a'.repeat(17), 'sl uice']) {
      expect(() => generateApiKey(prefix), prefix).toThrow(/Invalid API key prefix/);
    }
    expect(generateApiKey('a'.repeat(16)).plaintext).toMatch(/^a{16}_/);
    expect(generateApiKey('ab').plaintext).toMatch(/^ab_/);
  });

  it('parses good keys', () => {
    const key = generateApiKey();
    expect(parseApiKey(key.plaintext)).toEqual({ prefix: 'sluice', keyId: key.keyId, secret: key.secret });
    const custom = generateApiKey('x9');
    expect(parseApiKey(custom.plaintext)).toEqual({ prefix: 'x9', keyId: custom.keyId, secret: custom.secret });
    const longest = generateApiKey('p'.repeat(16));
    expect(parseApiKey(longest.plaintext)?.prefix).toBe('p'.repeat(16));
  });

  it('rejects anything that is not exactly a key', () => {
    const { keyId, secret, plaintext } = generateApiKey();
    const cases = [
      '',
      'sluice',
      'sluice__',
      `Sluice_${keyId}_${secret}`, // uppercase prefix
      `slu-ice_${keyId}_${secret}`,
      `1sluice_${keyId}_${secret}`,
      `s_${keyId}_${secret}`, // prefix too short
      `${'s'.repeat(17)}_${keyId}_${secret}`, // prefix too long
      `sluice_${keyId.slice(1)}_${secret}`, // keyId 15
      `sluice_${keyId}a_${secret}`, // keyId 17
      `sluice_${keyId}_${secret.slice(1)}`, // secret 31
      `sluice_${keyId}_${secret}a`, // secret 33
      `sluice_${keyId.slice(0, 15)}1_${secret}`, // '1' is not base32
      `sluice_${keyId}_${secret.slice(0, 31)}8`,
      `sluice_${keyId.toUpperCase()}_${secret}`,
      `sluice_${keyId}_${secret.toUpperCase()}`,
      `sluice_extra_${keyId}_${secret}`, // extra underscore
      `sluice_${keyId}__${secret}`,
      `sluice_${keyId}_${secret}_`,
      `_${plaintext}`,
      ` ${plaintext}`,
      `${plaintext} `,
      `${plaintext}\n`,
      `\t${plaintext}`,
      plaintext.replace('_', ' '),
      `sluice_${keyId}_${secret.slice(0, 16)} ${secret.slice(17)}`,
      `Bearer ${plaintext}`,
      'a'.repeat(10_000),
      `${plaintext}${'a'.repeat(10_000)}`,
    ];
    for (const text of cases) expect(parseApiKey(text), JSON.stringify(text.slice(0, 80))).toBeUndefined();
    expect(parseApiKey(undefined as unknown as string)).toBeUndefined();
  });

  it('stores an HMAC that is not the key and does not contain the secret', () => {
    const { keyId, secret, plaintext } = generateApiKey();
    const stored = hashApiKeySecret(keyring, keyId, secret);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(plaintext);
    expect(stored).toBe(keyring.hmac(`${keyId}:${secret}`));
    expect(hashApiKeySecret(keyring, keyId, secret)).toBe(stored); // deterministic, so it can be compared
    expect(hashApiKeySecret(keyring, generateApiKey().keyId, secret)).not.toBe(stored); // bound to the keyId
    expect(hashApiKeySecret(createKeyring(randomBytes(32)), keyId, secret)).not.toBe(stored); // peppered
  });

  it('matches the right secret only', () => {
    const { keyId, secret } = generateApiKey();
    const stored = hashApiKeySecret(keyring, keyId, secret);
    expect(apiKeySecretMatches(keyring, keyId, secret, stored)).toBe(true);
    expect(apiKeySecretMatches(keyring, keyId, generateApiKey().secret, stored)).toBe(false);
    expect(apiKeySecretMatches(keyring, generateApiKey().keyId, secret, stored)).toBe(false);
    expect(apiKeySecretMatches(createKeyring(randomBytes(32)), keyId, secret, stored)).toBe(false);
  });

  it('returns false for a malformed stored hash', () => {
    const { keyId, secret } = generateApiKey();
    const stored = hashApiKeySecret(keyring, keyId, secret);
    for (const bad of ['', 'xyz', stored.slice(0, 63), stored.slice(0, 62), `${stored}00`, `${stored.slice(0, 63)}g`, stored.toUpperCase(), ` ${stored}`, secret]) {
      expect(apiKeySecretMatches(keyring, keyId, secret, bad), bad).toBe(false);
    }
    expect(apiKeySecretMatches(keyring, keyId, secret, undefined as unknown as string)).toBe(false);
  });
});
