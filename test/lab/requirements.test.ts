// Requirement probes say what the kernel says: each is compared with an independent read of the same fact.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCgroupLayout } from '../../src/kernel/cgroup-mode.js';
import { allRequirements, requirement, unmet } from '../../src/lab/requirements.js';
import { tempDir } from '../helpers.js';

t.test("the cgroup v2 controller requirements match the v2 root's cgroup.controllers", async (t) => {
  const v2 = readCgroupLayout().v2Path;
  const controllers = v2 && existsSync(`${v2}/cgroup.controllers`) ? readFileSync(`${v2}/cgroup.controllers`, 'utf8').split(/\s+/) : [];
  for (const controller of ['memory', 'cpu', 'pids', 'io'] as const) {
    t.equal(requirement(`cgroup2-${controller}`).met(), controllers.includes(controller), `cgroup2-${controller}`);
  }
});

t.test('namespace requirements match /proc/self/ns', async (t) => {
  for (const [id, file] of [
    ['ns-pid', 'pid'],
    ['ns-net', 'net'],
    ['ns-time', 'time'],
    ['ns-user', 'user'],
  ] as const) {
    t.equal(requirement(id).met(), existsSync(`/proc/self/ns/${file}`), id);
  }
});

t.test('every requirement explains itself in both languages, and unmet() lists exactly the unmet ones', async (t) => {
  for (const r of allRequirements()) {
    t.ok(r.what.en && r.why.en && r.fix.en, `${r.id} in English`);
    t.match(r.what.zh + r.why.zh + r.fix.zh, /[\u4e00-\u9fff]/, `${r.id} in Chinese`);
  }
  const ids = allRequirements().map((r) => r.id);
  t.same(
    unmet(ids).map((r) => r.id),
    ids.filter((id) => !requirement(id).met()),
  );
});

t.test('userns-unprivileged matches the sysctls in /proc/sys, read here directly', async (t) => {
  const read = (file: string): number | undefined => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined);
  const allowed =
    (read('/proc/sys/user/max_user_namespaces') ?? 1) !== 0 &&
    (read('/proc/sys/kernel/unprivileged_userns_clone') ?? 1) !== 0 &&
    (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') ?? 0) === 0;
  t.equal(requirement('userns-unprivileged').met(), allowed);
});

t.test('userns-unprivileged with a fake /proc/sys (LAB_PROC_SYS): the AppArmor restriction on, off, absent', async (t) => {
  const root = tempDir('lab-test-proc-sys-');
  mkdirSync(join(root, 'kernel'));
  mkdirSync(join(root, 'user'));
  const apparmor = join(root, 'kernel', 'apparmor_restrict_unprivileged_userns');
  const saved = process.env.LAB_PROC_SYS;
  process.env.LAB_PROC_SYS = root;
  t.teardown(() => {
    if (saved === undefined) delete process.env.LAB_PROC_SYS;
    else process.env.LAB_PROC_SYS = saved;
  });
  const userns = requirement('userns-unprivileged');

  writeFileSync(apparmor, '1\n');
  t.equal(userns.met(), false, 'restricted: unmet');
  t.same(
    unmet(['linux', 'userns-unprivileged']).map((r) => r.id),
    ['userns-unprivileged'],
  );
  t.match(userns.why.en, 'kernel.apparmor_restrict_unprivileged_userns = 1', 'the why names the setting with its value');
  t.match(userns.why.zh, 'kernel.apparmor_restrict_unprivileged_userns = 1');
  t.match(userns.fix.en, '`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, which lasts until the next reboot');
  t.match(userns.fix.en, 'put the restriction back with `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=1`');
  t.match(
    userns.fix.en,
    'The alternative Ubuntu documents keeps the restriction and grants `userns` to one program through an AppArmor profile',
    'and the alternative Ubuntu documents',
  );
  t.match(userns.fix.zh, /重启[^。]*`sudo sysctl kernel\.apparmor_restrict_unprivileged_userns=1` 恢复限制/);
  t.notMatch(userns.fix.en, 'unprivileged_userns_clone', 'only the setting that forbids it here');

  writeFileSync(apparmor, '0\n');
  t.equal(userns.met(), true, 'restriction off: met');
  rmSync(apparmor);
  t.equal(userns.met(), true, 'no such setting (Debian): met');

  writeFileSync(join(root, 'kernel', 'unprivileged_userns_clone'), '0\n');
  t.equal(userns.met(), false, "Debian's switch off: unmet");
  t.match(userns.why.en, 'kernel.unprivileged_userns_clone = 0');
  t.match(userns.fix.en, 'sudo sysctl kernel.unprivileged_userns_clone=1');
  writeFileSync(join(root, 'kernel', 'unprivileged_userns_clone'), '1\n');
  writeFileSync(join(root, 'user', 'max_user_namespaces'), '0\n');
  t.equal(userns.met(), false, 'no user namespaces at all: unmet');
  t.match(userns.why.en, 'user.max_user_namespaces = 0');
  writeFileSync(join(root, 'user', 'max_user_namespaces'), '15000\n');
  t.equal(userns.met(), true);
});

t.test('optional requirements: a lab lacking only them does not fail `lab doctor`', async (t) => {
  const { onlyOptional } = await import('../../src/lab/diagnosis.js');
  const { isOptional } = await import('../../src/lab/requirements.js');
  t.ok(isOptional('qemu') && isOptional('vm-kernel'), 'qemu and the VM kernel are optional');
  t.notOk(isOptional('nftables'), 'nftables is not');
  const lab = (unmet: string[]) => ({ id: 'x', ready: unmet.length === 0, requires: [], unmet, order: 1 }) as never;
  t.ok(onlyOptional(lab(['qemu', 'vm-kernel'])));
  t.notOk(onlyOptional(lab(['qemu', 'nftables'])), 'one required thing missing: blocked');
  t.notOk(onlyOptional(lab([])), 'a ready lab is not "only optional"');
});
