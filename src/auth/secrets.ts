/**
 * Sluice's secret material and the primitives built on it: the master key, the keyring derived from
 * it (encryption of stored DSNs, the API-key pepper, the admin-JWT secret, a key fingerprint),
 * password hashing and API-key generation/verification.
 *
 * Pure building blocks: no logging, no configuration lookup, no database. Only `node:crypto` and
 * `node:fs`; every choice below is the boring, well-reviewed one:
 *
 * - One master key (≥ 32 bytes, from `SLUICE_SECRET_KEY` or `<dataDir>/secret.key`) and HKDF-SHA256
 *   with a distinct `info` per purpose, so a key used for one job is never reused for another and
 *   learning one subkey (e.g. the JWT secret, which may be shared with an operator's tooling) reveals
 *   nothing about the others or the master key.
 * - AES-256-GCM with a random 96-bit IV per message. Random IVs are safe up to ~2^32 messages per
 *   key (NIST SP 800-38D); Sluice encrypts a handful of DSNs, nowhere near that.
 * - scrypt (N=2^15, r=8, p=1 — the OWASP minimum, ~32 MiB and a few tens of ms per hash) for admin
 *   passwords, parameters stored with each hash so they can be raised later without a migration.
 * - API keys are random (≥ 128 bits), so a slow hash buys nothing: they are stored as an HMAC with a
 *   server-side pepper, so a leaked database alone does not allow checking guesses offline.
 * - All comparisons of secrets use `crypto.timingSafeEqual` on equal-length buffers.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

// ───────────────────────────── master key ─────────────────────────────

/** Minimum length of the master key and of an explicit JWT secret, in bytes (256 bits). */
export const MIN_SECRET_KEY_BYTES = 32;

const SECRET_KEY_HELP =
  'SLUICE_SECRET_KEY must be at least 32 bytes, base64 or hex encoded (generate one with: openssl rand -base64 32)';

const HEX = /^[0-9a-fA-F]+$/;
const BASE64_STANDARD = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64_URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Decodes a base64 (standard or URL alphabet, padding optional) string strictly: the text must use
 * one alphabet only, and re-encoding the bytes must give the text back. Node's own decoder silently
 * skips invalid characters and ignores trailing bits, which would let two different strings decode
 * to the same key (or a truncated one). Returns undefined for anything else.
 */
function decodeBase64Strict(text: string): Buffer | undefined {
  if (!BASE64_STANDARD.test(text) && !BASE64_URL.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  // Padding, when present, must be exactly what the length requires.
  if (unpadded.length !== text.length && text.length % 4 !== 0) return undefined;
  if (unpadded.length % 4 === 1) return undefined;
  const bytes = Buffer.from(unpadded, 'base64');
  const canonical = text.includes('+') || text.includes('/') ? bytes.toString('base64') : bytes.toString('base64url');
  return canonical.replace(/=+$/, '') === unpadded ? bytes : undefined;
}

/**
 * Parses the master key (from `SLUICE_SECRET_KEY` or `secret.key`).
 *
 * Accepted encodings, decided in this order (surrounding whitespace is ignored):
 * 1. **hex** — when the text is only hex digits, of even length ≥ 64 (i.e. ≥ 32 bytes). This is
 *    `openssl rand -hex 32`. A 64+ character base64 string made only of hex digits is possible in
 *    theory but vanishingly unlikely for random output (and would still be ≥ 32 bytes as hex).
 * 2. **base64**, standard (`+/`) or URL-safe (`-_`) alphabet, padding optional — `openssl rand
 *    -base64 32`. Shorter hex-looking strings land here, too.
 *
 * The decoded key must be at least 32 bytes. On failure the Error names what is expected but never
 * echoes the (secret) input.
 */
export function parseSecretKey(text: string): Uint8Array {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (trimmed.length >= MIN_SECRET_KEY_BYTES * 2 && trimmed.length % 2 === 0 && HEX.test(trimmed)) {
    key = Buffer.from(trimmed, 'hex');
  } else {
    key = decodeBase64Strict(trimmed);
  }
  if (key === undefined) throw new Error(`${SECRET_KEY_HELP}; the value given is neither`);
  if (key.length < MIN_SECRET_KEY_BYTES) throw new Error(`${SECRET_KEY_HELP}; the value given decodes to ${key.length} bytes`);
  return new Uint8Array(key);
}

/** Name of the generated key file inside the data directory. */
export const SECRET_KEY_FILE = 'secret.key';

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readKeyFile(file: string): Promise<Uint8Array> {
  const text = await readFile(file, 'utf8');
  try {
    return parseSecretKey(text);
  } catch {
    throw new Error(
      `${file} does not hold a valid secret key (expected one line of base64 encoding at least 32 bytes); ` +
        'restore the original file, or remove it to generate a new key (data encrypted with the old key becomes unreadable)',
    );
  }
}

/**
 * Reads the master key from `<dataDir>/secret.key`, creating it (32 random bytes, base64, one line)
 * when absent. The file is created with mode 0600 and, when needed, the directory with 0700.
 *
 * Creation uses the exclusive `wx` flag, so two processes starting together never overwrite each
 * other's key: the loser gets EEXIST and reads the winner's file. Because the winner's open and write
 * are two steps, the loser may briefly see an empty file; it retries for a short while before
 * declaring the file invalid.
 *
 * @throws when the file exists but does not hold a valid key (the message names the path), or on
 * I/O errors other than "does not exist".
 */
export async function loadOrCreateSecretKey(dataDir: string): Promise<{ key: Uint8Array; created: boolean; path: string }> {
  const file = path.join(dataDir, SECRET_KEY_FILE);
  try {
    return { key: await readKeyFile(file), created: false, path: file };
  } catch (error) {
    if (!isErrnoException(error) || error.code !== 'ENOENT') throw error;
  }

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(MIN_SECRET_KEY_BYTES);
  try {
    // `mode` is applied only when the file is created, and umask can only remove bits from 0600.
    await writeFile(file, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    return { key: new Uint8Array(key), created: true, path: file };
  } catch (error) {
    if (!isErrnoException(error) || error.code !== 'EEXIST') throw error;
  }

  // Someone else created it concurrently: use theirs, waiting out a write in progress.
  for (let attempt = 0; ; attempt++) {
    try {
      return { key: await readKeyFile(file), created: false, path: file };
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(25);
    }
  }
}

// ───────────────────────────── keyring ─────────────────────────────

/** The keys derived from the master key, and the operations that use them. */
export interface Keyring {
  /**
   * AES-256-GCM with a random 96-bit IV; output 'v1.' + base64url(iv ‖ ciphertext ‖ tag).
   * `associatedData`, when given, is authenticated but not stored: decrypt must be given the same
   * value (use it to bind a ciphertext to its owner, e.g. a DSN to its service name).
   */
  encrypt(plaintext: string, associatedData?: string): string;
  /** Inverse of encrypt; throws on a wrong key, tampering, other associated data, or an unknown format (never returns garbage). */
  decrypt(sealed: string, associatedData?: string): string;
  /** HMAC-SHA256 with the API-key pepper, hex. */
  hmac(data: string): string;
  /** The HS256 secret for admin session tokens (≥ 32 bytes). */
  readonly jwtSecret: Uint8Array;
  /** A short stable fingerprint of the master key (HKDF output, hex), safe to store, to detect instances running with different keys. */
  readonly fingerprint: string;
}

/**
 * HKDF salt. RFC 5869 allows a fixed (even empty) salt when the input key is already uniformly
 * random; a constant application label adds domain separation from any other use of the same key.
 */
const HKDF_SALT = 'sluice/keyring';
/** One `info` per purpose: changing one would silently invalidate everything derived under it. */
const HKDF_INFO = {
  encryption: 'sluice/v1/aes-256-gcm',
  apiKeyPepper: 'sluice/v1/api-key-pepper',
  jwt: 'sluice/v1/admin-jwt-hs256',
  fingerprint: 'sluice/v1/fingerprint',
} as const;

const SEALED_VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FINGERPRINT_BYTES = 8;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function derive(masterKey: Uint8Array, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, HKDF_SALT, info, length));
}

/** Decrypt failures are reported with one message whatever the cause, so they reveal nothing. */
function decryptError(cause?: unknown): Error {
  return new Error('Cannot decrypt: unknown format, wrong key, or the data was modified', { cause });
}

/**
 * Derives the keyring from the master key (≥ 32 bytes).
 *
 * @param options.jwtSecret — an explicit admin-JWT secret (`SLUICE_JWT_SECRET`, ≥ 32 bytes) that
 * replaces the derived one, e.g. to share it across instances with different master keys.
 * @throws when the master key or the JWT secret is shorter than 32 bytes.
 */
export function createKeyring(masterKey: Uint8Array, options: { jwtSecret?: Uint8Array } = {}): Keyring {
  if (masterKey.length < MIN_SECRET_KEY_BYTES) throw new Error(`The master key must be at least ${MIN_SECRET_KEY_BYTES} bytes`);
  if (options.jwtSecret !== undefined && options.jwtSecret.length < MIN_SECRET_KEY_BYTES) {
    throw new Error(`SLUICE_JWT_SECRET must be at least ${MIN_SECRET_KEY_BYTES} bytes`);
  }
  // Subkeys live only in this closure: nothing enumerable on the returned object holds key bytes.
  const encryptionKey = derive(masterKey, HKDF_INFO.encryption, 32);
  const pepper = derive(masterKey, HKDF_INFO.apiKeyPepper, 32);
  const jwtSecret = new Uint8Array(options.jwtSecret ?? derive(masterKey, HKDF_INFO.jwt, 32));
  const fingerprint = derive(masterKey, HKDF_INFO.fingerprint, FINGERPRINT_BYTES).toString('hex');

  return {
    encrypt(plaintext: string, associatedData?: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
      if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return SEALED_VERSION + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
    },

    decrypt(sealed: string, associatedData?: string): string {
      if (typeof sealed !== 'string' || !sealed.startsWith(SEALED_VERSION)) throw decryptError();
      const body = sealed.slice(SEALED_VERSION.length);
      if (!BASE64URL.test(body)) throw decryptError();
      const bytes = Buffer.from(body, 'base64url');
      // Non-canonical base64url (slack bits in the last character) would decode to the same bytes
      // as the original: treat it as tampering rather than accept two spellings of one ciphertext.
      if (bytes.toString('base64url') !== body || bytes.length < IV_BYTES + TAG_BYTES) throw decryptError();
      const iv = bytes.subarray(0, IV_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const ciphertext = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
        decipher.setAuthTag(tag);
        if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        // `final()` throws when the tag does not verify: nothing is returned before authentication.
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch (error) {
        throw decryptError(error);
      }
    },

    hmac(data: string): string {
      return createHmac('sha256', pepper).update(data, 'utf8').digest('hex');
    },

    // A getter, so that logging the keyring shows `[Getter]` rather than the secret's bytes; a
    // copy, so that a caller cannot alter the secret for everyone else.
    get jwtSecret(): Uint8Array {
      return new Uint8Array(jwtSecret);
    },

    fingerprint,
  };
}

// ───────────────────────────── passwords ─────────────────────────────

/** Password length bounds, in Unicode code points. The maximum bounds the cost of hashing. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

/** Current scrypt parameters for new hashes (OWASP's minimum recommendation for scrypt). */
const SCRYPT_N = 2 ** 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SCRYPT_SALT_BYTES = 16;
const SCRYPT_HASH_BYTES = 32;

/**
 * Upper bounds on parameters read back from a stored hash, so that a corrupted or hostile row
 * cannot make one verification allocate gigabytes or run for minutes.
 */
const SCRYPT_LIMITS = { maxN: 2 ** 20, maxR: 32, maxP: 16, minSalt: 8, maxSalt: 64, minHash: 16, maxHash: 64 } as const;

/**
 * Number of code points, without materialising an array for absurdly long input (a code point is
 * one or two UTF-16 units, so anything over twice the maximum is too long whatever it contains).
 */
function codePointLength(text: string): number {
  if (text.length > PASSWORD_MAX_LENGTH * 2) return text.length;
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Returns an error message when the password is outside the allowed length, else undefined.
 * No composition rules (NIST SP 800-63B): length is what matters.
 */
export function validatePassword(password: string): string | undefined {
  const length = codePointLength(password);
  if (length < PASSWORD_MIN_LENGTH) return `Password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  return undefined;
}

/**
 * Unicode normalisation (NFC) before hashing, so that the same password typed on systems that
 * compose accents differently still matches.
 */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize('NFC'), 'utf8');
}

function scryptAsync(password: Buffer, salt: Buffer, keylen: number, n: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128·r·(N + p + 2) bytes; Node's default maxmem (32 MiB) is exactly too small for
  // N=2^15, r=8, so allow what the parameters need plus headroom.
  const options: ScryptOptions = { N: n, r, p, maxmem: 128 * r * (n + p + 2) + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}

/**
 * Hashes a password with scrypt and a fresh 16-byte salt:
 * `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`.
 *
 * @throws when the password fails {@link validatePassword}.
 */
export async function hashPassword(password: string): Promise<string> {
  const problem = validatePassword(password);
  if (problem !== undefined) throw new Error(problem);
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const hash = await scryptAsync(passwordBytes(password), salt, SCRYPT_HASH_BYTES, SCRYPT_N, SCRYPT_R, SCRYPT_P);
  return ['scrypt', SCRYPT_N, SCRYPT_R, SCRYPT_P, salt.toString('base64'), hash.toString('base64')].join('$');
}

interface ParsedScryptHash {
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const DECIMAL = /^[1-9][0-9]{0,7}$/;

function parseScryptHash(stored: string): ParsedScryptHash | undefined {
  if (typeof stored !== 'string' || stored.length > 512) return undefined;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, nText, rText, pText, saltText, hashText] = parts as [string, string, string, string, string, string];
  if (!DECIMAL.test(nText) || !DECIMAL.test(rText) || !DECIMAL.test(pText)) return undefined;
  const n = Number(nText);
  const r = Number(rText);
  const p = Number(pText);
  // N must be a power of two greater than 1.
  if (n < 2 || n > SCRYPT_LIMITS.maxN || (n & (n - 1)) !== 0) return undefined;
  if (r > SCRYPT_LIMITS.maxR || p > SCRYPT_LIMITS.maxP) return undefined;
  const salt = decodeBase64Strict(saltText);
  const hash = decodeBase64Strict(hashText);
  if (salt === undefined || salt.length < SCRYPT_LIMITS.minSalt || salt.length > SCRYPT_LIMITS.maxSalt) return undefined;
  if (hash === undefined || hash.length < SCRYPT_LIMITS.minHash || hash.length > SCRYPT_LIMITS.maxHash) return undefined;
  return { n, r, p, salt, hash };
}

/**
 * Checks a password against a stored {@link hashPassword} string, using the parameters stored with
 * it. Returns false — never throws — for a wrong password or a malformed stored string. Passwords
 * longer than the maximum are rejected without hashing (their length is not a secret, their cost is).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (typeof password !== 'string' || codePointLength(password) > PASSWORD_MAX_LENGTH) return false;
  const parsed = parseScryptHash(stored);
  if (parsed === undefined) return false;
  try {
    const candidate = await scryptAsync(passwordBytes(password), parsed.salt, parsed.hash.length, parsed.n, parsed.r, parsed.p);
    return timingSafeEqual(candidate, parsed.hash);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A valid hash of a random, never-revealed password, computed once on first use. When a login
 * names an unknown user, verify the given password against this so the response takes as long as
 * for a known user (otherwise timing reveals which emails have accounts).
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
}

// ───────────────────────────── API keys ─────────────────────────────

/** Default API-key prefix; the prefix identifies the issuer in secret scanners and logs. */
export const DEFAULT_API_KEY_PREFIX = 'sluice';
/** A prefix: a lowercase letter then 1–15 lowercase letters or digits (no `_`, which separates the parts). */
export const API_KEY_PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}$/;
/** keyId: 16 base32 characters = exactly 80 random bits. Public: it is how a key is looked up. */
export const API_KEY_ID_LENGTH = 16;
/** secret: 32 base32 characters = exactly 160 random bits (the requirement is ≥ 128). */
export const API_KEY_SECRET_LENGTH = 32;
const API_KEY_MAX_LENGTH = 16 + 1 + API_KEY_ID_LENGTH + 1 + API_KEY_SECRET_LENGTH;
const API_KEY_PATTERN = /^([a-z][a-z0-9]{1,15})_([a-z2-7]{16})_([a-z2-7]{32})$/;

/** RFC 4648 base32 alphabet, lowercased. No 0/1/8/9, so no O/0 or l/1 confusion when read aloud. */
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * RFC 4648 base32 without padding. Used on 10 and 20 bytes (multiples of 5), so every character
 * carries exactly 5 random bits: no modulo bias, no padding.
 */
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Generates an API key `<prefix>_<keyId>_<secret>`: keyId 16 and secret 32 lowercase base32
 * characters (80 and 160 random bits). Show `plaintext` to the user once; store `keyId` and
 * {@link hashApiKeySecret}; lists may show `displayPrefix` (`<prefix>_<keyId>`), which is not secret.
 *
 * @throws when the prefix does not match {@link API_KEY_PREFIX_PATTERN}.
 */
export function generateApiKey(prefix: string = DEFAULT_API_KEY_PREFIX): {
  keyId: string;
  secret: string;
  plaintext: string;
  displayPrefix: string;
} {
  if (!API_KEY_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`Invalid API key prefix '${prefix}': expected a lowercase letter then 1-15 lowercase letters or digits`);
  }
  const keyId = base32(randomBytes((API_KEY_ID_LENGTH * 5) / 8));
  const secret = base32(randomBytes((API_KEY_SECRET_LENGTH * 5) / 8));
  const displayPrefix = `${prefix}_${keyId}`;
  return { keyId, secret, plaintext: `${displayPrefix}_${secret}`, displayPrefix };
}

/**
 * Splits an API key into its parts, strictly: exact alphabets and lengths, no whitespace, nothing
 * around it. Returns undefined for anything else. The length is checked before any regex runs, so
 * hostile input costs nothing. Callers still check that the prefix is the configured one.
 */
export function parseApiKey(text: string): { prefix: string; keyId: string; secret: string } | undefined {
  if (typeof text !== 'string' || text.length > API_KEY_MAX_LENGTH) return undefined;
  const match = API_KEY_PATTERN.exec(text);
  if (match === null) return undefined;
  const [, prefix, keyId, secret] = match as unknown as [string, string, string, string];
  return { prefix, keyId, secret };
}

/**
 * The value to store for an API key: HMAC-SHA256 (keyring pepper) over `keyId:secret`, hex. Binding
 * the keyId means a stored hash cannot be moved to another key row.
 */
export function hashApiKeySecret(keyring: Keyring, keyId: string, secret: string): string {
  return keyring.hmac(`${keyId}:${secret}`);
}

const HMAC_HEX = /^[0-9a-f]{64}$/;

/**
 * Whether `secret` matches the stored {@link hashApiKeySecret} value, compared in constant time.
 * False for a malformed stored hash.
 */
export function apiKeySecretMatches(keyring: Keyring, keyId: string, secret: string, storedHash: string): boolean {
  if (typeof storedHash !== 'string' || !HMAC_HEX.test(storedHash)) return false;
  const expected = Buffer.from(hashApiKeySecret(keyring, keyId, secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return expected.length === stored.length && timingSafeEqual(expected, stored);
}
