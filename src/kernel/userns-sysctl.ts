// The sysctls that decide whether an ordinary user may create a user namespace and be root in it: Ubuntu's
// AppArmor restriction, Debian's older switch, and the per-user limit. Read from /proc/sys, or from LAB_PROC_SYS
// (a fake tree, for tests: Debian kernels have no AppArmor setting to read).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The settings, by their sysctl names, in the order `lab doctor` reports them. */
export const USERNS_SYSCTLS = ['kernel.apparmor_restrict_unprivileged_userns', 'kernel.unprivileged_userns_clone', 'user.max_user_namespaces'] as const;

export type UsernsSysctl = (typeof USERNS_SYSCTLS)[number];

/** A setting this kernel has, with its value. */
export interface SysctlValue {
  name: UsernsSysctl;
  value: number;
}

/** Where sysctl files are read: LAB_PROC_SYS when set, else /proc/sys. */
export function procSysRoot(): string {
  return process.env.LAB_PROC_SYS || '/proc/sys';
}

/** The file of a sysctl: its name with the dots as slashes, under the /proc/sys root. */
export function sysctlPath(name: string, root = procSysRoot()): string {
  return join(root, ...name.split('.'));
}

/** A sysctl's number, or undefined when this kernel has no such file (or it holds no number). */
export function readSysctl(name: string, root = procSysRoot()): number | undefined {
  let text: string;
  try {
    text = readFileSync(sysctlPath(name, root), 'utf8').trim();
  } catch {
    return undefined;
  }
  const value = Number(text);
  return text !== '' && Number.isFinite(value) ? value : undefined;
}

/** The user-namespace settings this kernel has, each with its value. */
export function readUsernsSysctls(root = procSysRoot()): SysctlValue[] {
  return USERNS_SYSCTLS.flatMap((name) => {
    const value = readSysctl(name, root);
    return value === undefined ? [] : [{ name, value }];
  });
}

/**
 * The settings among `values` that keep an unprivileged user from being root in a user namespace of its own:
 * the AppArmor restriction on (any value but 0), or the Debian switch or the limit at 0. Pure.
 */
export function blockingUsernsSysctls(values: readonly SysctlValue[]): SysctlValue[] {
  return values.filter(({ name, value }) => (name === 'kernel.apparmor_restrict_unprivileged_userns' ? value !== 0 : value === 0));
}
