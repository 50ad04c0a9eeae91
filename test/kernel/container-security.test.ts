// The security flags to config (src/kernel/container-security.ts) and to the plan's setpriv step
// (container-plan.ts setprivArgv): Docker's names, what each becomes, the refusals.
import t from 'tap';
import { parseContainerConfig } from '../../src/kernel/container-config.js';
import { setprivArgv } from '../../src/kernel/container-plan.js';
import { parseGroupAdd, parseSecurityOpts, parseUser } from '../../src/kernel/container-security.js';

const BOUNDING = '-all,+audit_write,+chown,+dac_override,+fowner,+fsetid,+kill,+mknod,+net_bind_service,+net_raw,+setfcap,+setgid,+setpcap,+setuid,+sys_chroot';
const CAPS = ['--bounding-set', BOUNDING, '--inh-caps', '-all', '--ambient-caps', '-all'];

/** The config of these flags (they must parse). */
function configOf(flags: Parameters<typeof parseContainerConfig>[0]) {
  const parsed = parseContainerConfig({ network: 'none', ...flags });
  if (!parsed.ok) throw new Error(parsed.message.en);
  return parsed.value;
}

t.test("--security-opt as Docker's CLI reads it", async (t) => {
  t.same(parseSecurityOpts([]), { ok: true, value: { unconfined: false, noNewPrivileges: false } });
  t.same(parseSecurityOpts(['seccomp=unconfined', 'no-new-privileges']), { ok: true, value: { unconfined: true, noNewPrivileges: true } });
  t.same(parseSecurityOpts(['seccomp:unconfined', 'no-new-privileges:true']), { ok: true, value: { unconfined: true, noNewPrivileges: true } });
  t.same(parseSecurityOpts(['no-new-privileges=false']), { ok: true, value: { unconfined: false, noNewPrivileges: false } });
  const bad = parseSecurityOpts(['nope']);
  t.same(bad.ok ? '' : bad.message.en, 'invalid --security-opt: "nope"');
  const file = parseSecurityOpts(['seccomp=/tmp/profile.json']);
  t.match(file.ok ? '' : file.message.en, /a profile file is not supported/);
  const apparmor = parseSecurityOpts(['apparmor=unconfined']);
  t.match(apparmor.ok ? '' : apparmor.message.zh, /AppArmor/);
});

t.test('--user and --group-add: numbers', async (t) => {
  t.same(parseUser('1000:1000'), { ok: true, value: { uid: 1000, gid: 1000 } });
  t.same(parseUser('1000'), { ok: true, value: { uid: 1000, gid: 0 } }, 'no GID: 0, as Docker for a UID its image does not list');
  const name = parseUser('nobody');
  t.match(name.ok ? '' : name.message.en, /unable to find user nobody/);
  const group = parseUser('1000:staff');
  t.match(group.ok ? '' : group.message.en, /unable to find group staff/);
  t.notOk(parseUser('4294967295').ok, '(uid_t)-1 is not a user');
  t.same(parseGroupAdd(['5', '7', '5']), { ok: true, value: [5, 7] });
  t.notOk(parseGroupAdd(['wheel']).ok);
});

t.test('the config: seccomp default, unconfined with the option or --privileged', async (t) => {
  t.equal(configOf({}).seccomp, 'default');
  t.equal(configOf({ securityOpt: ['seccomp=unconfined'] }).seccomp, 'unconfined');
  t.equal(configOf({ privileged: true }).seccomp, 'unconfined', '--privileged implies seccomp=unconfined, as Docker');
  t.equal(configOf({ securityOpt: ['no-new-privileges'] }).noNewPrivileges, true);
  t.same(configOf({ user: '1000:1000', groupAdd: ['5'] }).user, { uid: 1000, gid: 1000 });
  t.notOk(parseContainerConfig({ network: 'none', securityOpt: ['x'] }).ok, 'a bad value is refused');
});

t.test('setpriv: the parts in the order util-linux documents them, none when nothing is asked', async (t) => {
  const file = '/var/lib/lab/containers/abc/seccomp.bpf';
  t.same(setprivArgv(configOf({}), file), ['setpriv', ...CAPS, '--seccomp-filter', file, '--']);
  t.same(setprivArgv(configOf({})), ['setpriv', ...CAPS, '--'], 'no file given: no filter option');
  t.same(setprivArgv(configOf({ securityOpt: ['seccomp=unconfined'] }), file), ['setpriv', ...CAPS, '--']);
  t.same(setprivArgv(configOf({ privileged: true }), file), [], '--privileged: no step');
  t.same(setprivArgv(configOf({ user: '1000:1000', securityOpt: ['no-new-privileges'] }), file), [
    'setpriv',
    '--reuid',
    '1000',
    '--regid',
    '1000',
    '--clear-groups',
    '--no-new-privs',
    ...CAPS,
    '--seccomp-filter',
    file,
    '--',
  ]);
  t.same(setprivArgv(configOf({ user: '1000', groupAdd: ['5', '7'], privileged: true }), file), [
    'setpriv',
    '--reuid',
    '1000',
    '--regid',
    '0',
    '--groups',
    '5,7',
    '--',
  ]);
  t.same(setprivArgv(configOf({ groupAdd: ['5'] }), file).slice(0, 3), ['setpriv', '--groups', '5'], '--group-add without --user: root with these groups');
});
