/**
 * A lock file holding the pid of the process that owns an embedded (PGlite) database directory.
 * PGlite does not guard against two processes opening the same directory, which would corrupt it;
 * this lock makes the second one fail with a message instead. A lock left by a process that no
 * longer runs is taken over.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Takes the lock at `path`; resolves to its release function. */
export async function acquireProcessLock(path: string, what: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt((await readFile(path, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) {
        throw new Error(`${what} is in use by another Sluice process (pid ${pid}); stop it first, or use a different data directory`);
      }
      await rm(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Cannot take the lock ${path}`);
}
