/**
 * The BEGIN … COMMIT / ROLLBACK frame both drivers put around `Driver.transaction`. `execute` runs a
 * statement on the connection the transaction holds.
 */
export async function withinTransaction<T>(
  execute: (sql: string) => Promise<unknown>,
  begin: string,
  body: () => Promise<T>,
): Promise<T> {
  await execute(begin);
  try {
    const result = await body();
    await execute('COMMIT');
    return result;
  } catch (error) {
    // A failed ROLLBACK (connection gone) must not hide the error that caused it.
    await execute('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
