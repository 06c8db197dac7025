/** Key/value settings of the store (e.g. the fingerprint of the secret key it was created with). */
import type { MetaQueryable } from './meta-store.js';

export async function getSetting(db: MetaQueryable, key: string): Promise<string | undefined> {
  const rows = await db.query<{ value: string }>('SELECT value FROM sluice.settings WHERE key = $1', [key]);
  return rows[0]?.value;
}

export async function setSetting(db: MetaQueryable, key: string, value: string): Promise<void> {
  await db.query(
    `INSERT INTO sluice.settings (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [key, value],
  );
}

/** Sets the value only if the key is absent; returns the value stored afterwards. */
export async function setSettingIfAbsent(db: MetaQueryable, key: string, value: string): Promise<string> {
  await db.query('INSERT INTO sluice.settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
  return (await getSetting(db, key)) ?? value;
}
