// A lab run where / is shared, as on systemd hosts: `lab verify <id> --json` in a mount namespace of the test's own
// whose / is made rshared, with the assertions every such run makes (it passed, it added or removed no mount, none
// of its mounts reached that namespace, the real host saw nothing). The mount labs' tests share it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { mountFingerprint, parseMountinfo, propagationOf, readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { BIN, cleanEnv, tempDir, useTempState } from '../helpers.js';

/** A check event of `lab verify --json`, as far as these tests read it. */
export interface CheckEvent {
  type: string;
  check?: string;
  ok?: boolean;
  found?: string;
}

/** What the run in the shared namespace left to read. */
export interface SharedRootRun {
  /** A mountinfo the script saved in that namespace: `before`, `after`, or one that `extra` wrote. */
  table(name: string): MountEntry[];
  /** The check events of the lab's --json output. */
  checks(): CheckEvent[];
}

/** Options of verifyUnderSharedRoot. */
export interface SharedRootOptions {
  /** The message of the assertion that the namespace's mount table is as before. */
  unchanged?: string;
  /** More shell lines run in that namespace after the lab, given the directory the files go to. */
  extra?: (dir: string) => string[];
}

/**
 * Run lab `id` under `lab verify --json` in a mount namespace whose / is rshared, in a fresh state directory, and
 * assert that the script ran, / was shared, the lab passed, the namespace's mount table is as before, no lab mount
 * reached it, and the real host's mount table never changed. The caller asserts the rest on what it returns.
 */
export function verifyUnderSharedRoot(t: Test, id: string, options: SharedRootOptions = {}): SharedRootRun {
  const state = useTempState();
  const dir = tempDir(`lab-test-${id}-`);
  const hostBefore = mountFingerprint(readMountinfo('self') ?? []);
  const script = [
    'set -e',
    'mount --make-rshared /',
    `cat /proc/self/mountinfo > ${dir}/before`,
    `${process.execPath} ${BIN} verify ${id} --json > ${dir}/out; echo $? > ${dir}/rc`,
    `cat /proc/self/mountinfo > ${dir}/after`,
    ...(options.extra?.(dir) ?? []),
  ].join('\n');
  // `unshare --mount` makes the test's namespace private from the real host before / is made shared inside it.
  const result = spawnSync('unshare', ['--mount', 'sh', '-c', script], { encoding: 'utf8', env: cleanEnv({ LAB_STATE_DIR: state }) });
  t.equal(result.status, 0, 'the script in the shared namespace ran to its end', { stderr: result.stderr });
  const table = (name: string): MountEntry[] => parseMountinfo(readFileSync(join(dir, name), 'utf8'));
  const root = table('before').find((m) => m.mountPoint === '/');
  t.equal(root && propagationOf(root), 'shared', '/ was shared, as on systemd hosts');
  t.equal(readFileSync(join(dir, 'rc'), 'utf8').trim(), '0', 'the lab passed');
  t.same(mountFingerprint(table('after')), mountFingerprint(table('before')), options.unchanged ?? 'the lab added or removed no mount');
  t.notOk(
    table('after').some((m) => m.source.startsWith('lab-')),
    'no lab mount reached the shared namespace',
  );
  t.same(mountFingerprint(readMountinfo('self') ?? []), hostBefore, 'the real host never saw any of it');
  const checks = (): CheckEvent[] =>
    readFileSync(join(dir, 'out'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as CheckEvent)
      .filter((e) => e.type === 'check');
  return { table, checks };
}
