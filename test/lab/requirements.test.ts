// Requirement probes say what the kernel says: each is compared with an independent read of the same fact.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { readCgroupLayout } from '../../src/kernel/cgroup-mode.js';
import { allRequirements, requirement, unmet } from '../../src/lab/requirements.js';

t.test('the cgroup v2 controller requirements match the v2 root\'s cgroup.controllers', async (t) => {
  const v2 = readCgroupLayout().v2Path;
  const controllers = v2 && existsSync(`${v2}/cgroup.controllers`) ? readFileSync(`${v2}/cgroup.controllers`, 'utf8').split(/\s+/) : [];
  for (const controller of ['memory', 'cpu', 'pids', 'io'] as const) {
    t.equal(requirement(`cgroup2-${controller}`).met(), controllers.includes(controller), `cgroup2-${controller}`);
  }
});

t.test('namespace requirements match /proc/self/ns', async (t) => {
  for (const [id, file] of [['ns-pid', 'pid'], ['ns-net', 'net'], ['ns-time', 'time'], ['ns-user', 'user']] as const) {
    t.equal(requirement(id).met(), existsSync(`/proc/self/ns/${file}`), id);
  }
});

t.test('every requirement explains itself in both languages, and unmet() lists exactly the unmet ones', async (t) => {
  for (const r of allRequirements()) {
    t.ok(r.what.en && r.why.en && r.fix.en, `${r.id} in English`);
    t.match(r.what.zh + r.why.zh + r.fix.zh, /[\u4e00-\u9fff]/, `${r.id} in Chinese`);
  }
  const ids = allRequirements().map((r) => r.id);
  t.same(unmet(ids).map((r) => r.id), ids.filter((id) => !requirement(id).met()));
});
