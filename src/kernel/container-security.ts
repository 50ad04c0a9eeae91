// The security flags of `lab container run`, with Docker's names and checks: `--security-opt seccomp=unconfined`
// and `no-new-privileges`, `--user UID[:GID]`, `--group-add GID`. Pure: each value becomes config or a message.
// container-config.ts calls parseSecurity; container-plan.ts setprivArgv turns the result into setpriv's options.
import type { ContainerConfig, ContainerFlags, Parsed } from './container-config.js';

/** The security part of a container's config (the fields parseSecurity fills). */
export type SecurityConfig = Pick<ContainerConfig, 'seccomp' | 'noNewPrivileges' | 'user' | 'groupAdd'>;

/** The largest UID or GID a process can have ((uid_t)-1 means "unchanged" to the kernel). */
const MAX_ID = 4294967294;

function fail<T>(en: string, zh: string): Parsed<T> {
  return { ok: false, message: { en, zh } };
}

/** A decimal UID or GID, or undefined. */
function parseId(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id <= MAX_ID ? id : undefined;
}

/**
 * `--security-opt` values as Docker's CLI reads them (KEY=VALUE, the old KEY:VALUE, or `no-new-privileges` alone):
 * `seccomp=unconfined` (no filter) and `no-new-privileges[=true|false]`. A profile file, AppArmor and SELinux
 * labels are refused: lab has none of them to apply.
 */
export function parseSecurityOpts(values: readonly string[]): Parsed<{ unconfined: boolean; noNewPrivileges: boolean }> {
  let unconfined = false;
  let noNewPrivileges = false;
  for (const value of values) {
    const sep = value.includes('=') ? '=' : ':';
    const [key = '', setting] = value.includes(sep) ? [value.slice(0, value.indexOf(sep)), value.slice(value.indexOf(sep) + 1)] : [value, undefined];
    if (key === 'no-new-privileges' && (setting === undefined || setting === 'true' || setting === 'false')) {
      noNewPrivileges = setting !== 'false';
    } else if (key === 'seccomp' && setting === 'unconfined') {
      unconfined = true;
    } else if (key === 'seccomp' && setting !== undefined && setting !== '') {
      return fail(
        `seccomp profile "${setting}": lab applies Docker's default profile or none (seccomp=unconfined); a profile file is not supported`,
        `seccomp 配置 "${setting}"：lab 只应用 Docker 的默认配置或不加过滤（seccomp=unconfined），不支持配置文件`,
      );
    } else if ((key === 'apparmor' || key === 'label') && setting !== undefined) {
      return fail(
        `--security-opt ${key}: lab applies no ${key === 'apparmor' ? 'AppArmor profile' : 'SELinux label'}`,
        `--security-opt ${key}：lab 不应用 ${key === 'apparmor' ? 'AppArmor 配置' : 'SELinux 标签'}`,
      );
    } else {
      return fail(`invalid --security-opt: ${JSON.stringify(value)}`, `--security-opt 无效：${JSON.stringify(value)}`);
    }
  }
  return { ok: true, value: { unconfined, noNewPrivileges } };
}

/** `--user UID[:GID]`, numbers only; without a GID, 0 (what Docker gives a UID its image's /etc/passwd does not list). */
export function parseUser(text: string): Parsed<{ uid: number; gid: number }> {
  const [userPart = '', groupPart, ...rest] = text.split(':');
  const uid = parseId(userPart);
  const gid = groupPart === undefined ? 0 : parseId(groupPart);
  if (uid === undefined || gid === undefined || rest.length > 0) {
    const name = uid === undefined ? userPart : (groupPart ?? '');
    const what = uid === undefined ? 'user' : 'group';
    return fail(
      `unable to find ${what} ${name}: lab takes --user as numbers, UID[:GID] (0 to ${MAX_ID})`,
      `找不到${what === 'user' ? '用户' : '组'} ${name}：lab 的 --user 只接受数字，UID[:GID]（0 到 ${MAX_ID}）`,
    );
  }
  return { ok: true, value: { uid, gid } };
}

/** `--group-add GID` values: numbers, each once, in the order given. */
export function parseGroupAdd(values: readonly string[]): Parsed<number[]> {
  const groups: number[] = [];
  for (const value of values) {
    const gid = parseId(value.trim());
    if (gid === undefined)
      return fail(`Unable to find group ${value}: lab takes --group-add as a number (a GID)`, `找不到组 ${value}：lab 的 --group-add 只接受数字（GID）`);
    if (!groups.includes(gid)) groups.push(gid);
  }
  return { ok: true, value: groups };
}

/**
 * The security flags to config. seccomp: Docker's default profile unless `seccomp=unconfined` or --privileged
 * (which implies it, as Docker's). `--group-add` without `--user`: root's supplementary groups.
 */
export function parseSecurity(flags: Pick<ContainerFlags, 'securityOpt' | 'user' | 'groupAdd' | 'privileged'>): Parsed<SecurityConfig> {
  const opts = parseSecurityOpts(flags.securityOpt ?? []);
  if (!opts.ok) return opts;
  const security: SecurityConfig = { seccomp: opts.value.unconfined || flags.privileged === true ? 'unconfined' : 'default' };
  if (opts.value.noNewPrivileges) security.noNewPrivileges = true;
  if (flags.user !== undefined) {
    const user = parseUser(flags.user);
    if (!user.ok) return user;
    security.user = user.value;
  }
  if (flags.groupAdd !== undefined && flags.groupAdd.length > 0) {
    const groups = parseGroupAdd(flags.groupAdd);
    if (!groups.ok) return groups;
    security.groupAdd = groups.value;
  }
  return { ok: true, value: security };
}
