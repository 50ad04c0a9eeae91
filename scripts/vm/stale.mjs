// Directories a run names after its PID (`<prefix><pid>-XXXXXX`), so that a later run can remove
// those of runs that were killed before they could (kill -9, a power cut).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Remove every `<prefix><pid>-*` directory in `dir` whose process no longer exists.
 * @param {string} dir
 * @param {string} prefix
 */
export function removeDeadRunDirs(dir, prefix) {
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ESRCH') rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}
