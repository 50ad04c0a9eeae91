// What labs need from the host, each with a fast probe (file reads only: `lab list` runs every probe), why a lab
// needs it and how to get it.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { RequirementId, Text } from './spec.js';

export interface Requirement {
  id: RequirementId;
  /** What is needed, as the learner would say it. */
  what: Text;
  /** Why labs need it. */
  why: Text;
  /** How to get it. */
  fix: Text;
  met(): boolean;
}

/** Whether an executable of this name is on PATH (or in the sbin directories root has). */
export function onPath(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const UTIL_LINUX: Text = {
  en: 'Install util-linux: `sudo apt-get install util-linux` (or `sudo scripts/provision.sh`).',
  zh: '安装 util-linux：`sudo apt-get install util-linux`（或运行 `sudo scripts/provision.sh`）。',
};

const REQUIREMENTS: Requirement[] = [
  {
    id: 'linux',
    what: { en: 'a Linux kernel', zh: 'Linux 内核' },
    why: { en: 'Namespaces and cgroups are features of the Linux kernel.', zh: '命名空间和 cgroup 是 Linux 内核的功能。' },
    fix: { en: 'Use a Linux machine or the project\'s Vagrant VM (`vagrant up`).', zh: '请使用 Linux 机器，或项目的 Vagrant 虚拟机（`vagrant up`）。' },
    met: () => process.platform === 'linux',
  },
  {
    id: 'root',
    what: { en: 'root privileges', zh: 'root 权限' },
    why: {
      en: 'Creating namespaces, mounting and writing cgroup files need CAP_SYS_ADMIN.',
      zh: '创建命名空间、挂载和写 cgroup 文件都需要 CAP_SYS_ADMIN 能力（capability）。',
    },
    fix: { en: 'Run lab with sudo: `sudo lab run <id>`.', zh: '用 sudo 运行：`sudo lab run <id>`。' },
    met: () => process.getuid?.() === 0,
  },
  {
    id: 'unshare',
    what: { en: 'the `unshare` command', zh: '`unshare` 命令' },
    why: { en: 'It creates the namespaces the labs explore.', zh: '实验用它创建命名空间。' },
    fix: UTIL_LINUX,
    met: () => onPath('unshare'),
  },
  {
    id: 'nsenter',
    what: { en: 'the `nsenter` command', zh: '`nsenter` 命令' },
    why: { en: 'It enters a running lab\'s namespaces (what `docker exec` does).', zh: '用它进入正在运行的实验的命名空间（`docker exec` 做的正是这件事）。' },
    fix: UTIL_LINUX,
    met: () => onPath('nsenter'),
  },
  {
    id: 'setpriv',
    what: { en: 'the `setpriv` command', zh: '`setpriv` 命令' },
    why: {
      en: 'It makes the kernel kill a lab\'s processes if the harness dies, so nothing is left behind.',
      zh: '它让内核在 lab 本身意外退出时杀掉实验的进程，不留任何残余。',
    },
    fix: UTIL_LINUX,
    met: () => onPath('setpriv'),
  },
  {
    id: 'procps',
    what: { en: 'the `ps` and `kill` commands', zh: '`ps` 和 `kill` 命令' },
    why: { en: 'Labs list and signal processes with them.', zh: '实验用它们列出进程、发送信号。' },
    fix: { en: 'Install procps: `sudo apt-get install procps`.', zh: '安装 procps：`sudo apt-get install procps`。' },
    met: () => onPath('ps') && onPath('kill'),
  },
  {
    id: 'ns-pid',
    what: { en: 'PID namespaces in the kernel', zh: '内核支持 PID 命名空间' },
    why: { en: 'The kernel must be built with CONFIG_PID_NS.', zh: '内核编译时需要启用 CONFIG_PID_NS。' },
    fix: { en: 'Use a distribution kernel (Debian, Ubuntu) or the Vagrant VM.', zh: '使用发行版内核（Debian、Ubuntu）或 Vagrant 虚拟机。' },
    met: () => existsSync('/proc/self/ns/pid'),
  },
  {
    id: 'ns-mnt',
    what: { en: 'mount namespaces in the kernel', zh: '内核支持挂载（mount）命名空间' },
    why: { en: 'Labs mount a private /proc without touching the host\'s.', zh: '实验要挂载自己的 /proc，而不影响宿主机的。' },
    fix: { en: 'Use a distribution kernel (Debian, Ubuntu) or the Vagrant VM.', zh: '使用发行版内核（Debian、Ubuntu）或 Vagrant 虚拟机。' },
    met: () => existsSync('/proc/self/ns/mnt'),
  },
];

/** Every requirement id a lab may name. */
export const REQUIREMENT_IDS: RequirementId[] = REQUIREMENTS.map((r) => r.id);

/** The requirement of this id. */
export function requirement(id: RequirementId): Requirement {
  const found = REQUIREMENTS.find((r) => r.id === id);
  if (!found) throw new Error(`unknown requirement ${id}`);
  return found;
}

/** The requirements among `ids` this host does not meet. */
export function unmet(ids: readonly RequirementId[]): Requirement[] {
  return ids.map(requirement).filter((r) => !r.met());
}

/** Every requirement, for `lab doctor`. */
export function allRequirements(): readonly Requirement[] {
  return REQUIREMENTS;
}
