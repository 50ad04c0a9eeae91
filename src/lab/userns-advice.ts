// Why an ordinary user cannot be root in a user namespace of its own on this host, and how to allow it for the
// user-namespace lab, in both languages: one text per sysctl that can forbid it. Used by the lab's requirement
// (the message a lab stops with) and by `lab doctor`.
import { blockingUsernsSysctls, type SysctlValue, type UsernsSysctl } from '../kernel/userns-sysctl.js';
import type { Text } from './spec.js';

const t = (en: string, zh: string): Text => ({ en, zh });

const PURPOSE = t(
  'The lab shows an ordinary user (nobody) becoming root, with every capability, inside a user namespace of its own.',
  '实验要演示普通用户（nobody）在自己创建的用户命名空间里变成拥有全部能力（capability）的 root。',
);

const GENERAL = t(
  'Some systems forbid it: Ubuntu through AppArmor (kernel.apparmor_restrict_unprivileged_userns=1, the default since Ubuntu 24.04), Debian kernels through kernel.unprivileged_userns_clone=0 (their default before Debian 11), any kernel through user.max_user_namespaces=0.',
  '有些系统禁止这样做：Ubuntu 通过 AppArmor（kernel.apparmor_restrict_unprivileged_userns=1，Ubuntu 24.04 起的默认值），Debian 内核通过 kernel.unprivileged_userns_clone=0（Debian 11 之前的默认值），任何内核都可以通过 user.max_user_namespaces=0。',
);

const ADVICE: Record<UsernsSysctl, { why: (value: number) => Text; fix: Text }> = {
  'kernel.apparmor_restrict_unprivileged_userns': {
    why: (value) =>
      t(
        `Here kernel.apparmor_restrict_unprivileged_userns = ${value}: Ubuntu's AppArmor restriction (Ubuntu 23.10 and later, on by default since 24.04) gives an unprivileged program no capability in a user namespace it creates, or no namespace at all, unless an AppArmor profile grants that program \`userns\`.`,
        `这里 kernel.apparmor_restrict_unprivileged_userns = ${value}：这是 Ubuntu 的 AppArmor 限制（Ubuntu 23.10 起提供，24.04 起默认开启）。普通程序在自己创建的用户命名空间里得不到任何能力，或者根本创建不了，除非有 AppArmor 配置文件（profile）授予该程序 \`userns\` 权限。`,
      ),
    fix: t(
      'For the lab: `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, which lasts until the next reboot; when you are done, put the restriction back with `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=1`. The alternative Ubuntu documents keeps the restriction and grants `userns` to one program through an AppArmor profile (a file in /etc/apparmor.d/ with a `userns,` rule, loaded with `sudo apparmor_parser -r <file>`); here that program would be unshare, which would open user namespaces to every user, so lab asks for the sysctl and reads only it.',
      '做实验时：`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`，效果持续到下次重启；做完后用 `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=1` 恢复限制。Ubuntu 文档给出的另一种做法是保留限制，用 AppArmor 配置文件只给某一个程序授予 `userns` 权限（在 /etc/apparmor.d/ 中写一个带 `userns,` 规则的文件，用 `sudo apparmor_parser -r <文件>` 加载）；在这里那个程序是 unshare，给它授权等于向所有用户开放用户命名空间，所以 lab 要求的是上面的 sysctl，也只读取这个 sysctl。',
    ),
  },
  'kernel.unprivileged_userns_clone': {
    why: (value) =>
      t(
        `Here kernel.unprivileged_userns_clone = ${value}: this Debian kernel lets only root create user namespaces.`,
        `这里 kernel.unprivileged_userns_clone = ${value}：这个 Debian 内核只允许 root 创建用户命名空间。`,
      ),
    fix: t(
      '`sudo sysctl kernel.unprivileged_userns_clone=1`, until the next reboot; `sudo sysctl kernel.unprivileged_userns_clone=0` puts it back.',
      '`sudo sysctl kernel.unprivileged_userns_clone=1`，效果持续到下次重启；`sudo sysctl kernel.unprivileged_userns_clone=0` 可以恢复原状。',
    ),
  },
  'user.max_user_namespaces': {
    why: (value) =>
      t(
        `Here user.max_user_namespaces = ${value}: no user namespace can be created at all, not even by root.`,
        `这里 user.max_user_namespaces = ${value}：任何用户命名空间都无法创建，root 也不行。`,
      ),
    fix: t(
      '`sudo sysctl user.max_user_namespaces=10000`, until the next reboot; `sudo sysctl user.max_user_namespaces=0` puts it back.',
      '`sudo sysctl user.max_user_namespaces=10000`，效果持续到下次重启；`sudo sysctl user.max_user_namespaces=0` 可以恢复原状。',
    ),
  },
};

const joinAll = (texts: Text[]): Text => t(texts.map((x) => x.en).join(' '), texts.map((x) => x.zh).join(''));

/**
 * Why the user-namespace lab cannot run with these settings, and how to allow it: for each setting that forbids
 * it, or, when none does, for every setting that could.
 */
export function usernsAdvice(values: readonly SysctlValue[]): { why: Text; fix: Text } {
  const blocking = blockingUsernsSysctls(values);
  if (blocking.length === 0) {
    return { why: joinAll([PURPOSE, GENERAL]), fix: joinAll(Object.values(ADVICE).map((a) => a.fix)) };
  }
  return {
    why: joinAll([PURPOSE, ...blocking.map((s) => ADVICE[s.name].why(s.value))]),
    fix: joinAll(blocking.map((s) => ADVICE[s.name].fix)),
  };
}

/** The settings as `name = value`, for a report line; undefined when this kernel has none of them. */
export function describeUsernsSysctls(values: readonly SysctlValue[]): string | undefined {
  return values.length ? values.map((v) => `${v.name} = ${v.value}`).join(', ') : undefined;
}
