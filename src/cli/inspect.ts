// `lab inspect <pid | container>`: an X-ray of any running process (a lab container, a runc, crun, Docker or Podman
// container, a pod's process, or no container at all): its namespaces against the host's, its cgroup and limits, the
// filesystem at its `/`, its capabilities, seccomp and no_new_privs, read from the kernel only (src/kernel/xray.ts).
// Light on purpose: it loads the container store only when it is given a name.
import { existsSync } from 'node:fs';
import { LabError } from '../common/errors.js';
import type { Lang, Text } from '../common/vocabulary.js';
import { xray, type Xray } from '../kernel/xray.js';
import { reportSections, verdictText } from '../kernel/xray-text.js';
import { displayWidth, wrapLine } from '../ui/text.js';
import { parse, usage } from './args.js';

export const help: Record<Lang, string> = {
  en: `lab inspect: an X-ray of a running process: what makes it a container

Usage: lab inspect <pid | container> [--json] [--lang en|zh]

Give a host PID (of any process: a runc, crun, Docker or Podman container's, a Kubernetes pod's on its node) or the
name, id or id prefix of a running \`lab container\`. Everything is read from the kernel: /proc/<pid>/ns/* against
the host's PID 1 (its own namespace or the host's, and which other processes are in it), NSpid, uid_map and
gid_map; the cgroup v2 path and its memory.max, memory.current, cpu.max, pids.max, pids.current and io.max; the
mount at its / in /proc/<pid>/mountinfo and, for an overlay, its layers; CapEff, CapPrm and CapBnd by name;
Seccomp, Seccomp_filters and NoNewPrivs from /proc/<pid>/status. The first line is the verdict. It changes nothing.
Reading another process's namespaces needs root.

Options:
  --json    one JSON object on stdout with every fact (numbers as numbers, \`null\` where there is none)

Exit status: 0 when the process was inspected; 1 when there is no such process or container, or it cannot be
read; 2 for a usage error.`,
  zh: `lab inspect：给正在运行的进程拍一张“X 光片”：是什么让它成为容器（container）

用法：lab inspect <pid | container> [--json] [--lang en|zh]

给出一个宿主机（host）上的 PID（任何进程都可以：runc、crun、Docker、Podman 的容器进程，节点上 Kubernetes Pod 的进程），
或者一个正在运行的 \`lab container\` 容器的名称、id 或 id 前缀。所有内容都从内核（kernel）读取：/proc/<pid>/ns/* 与宿主机
PID 1 的对照（自己的命名空间（namespace）还是宿主机的，还有哪些进程在其中）、NSpid、uid_map 和 gid_map；控制组（cgroup）
v2 路径及其中的 memory.max、memory.current、cpu.max、pids.max、pids.current、io.max；/proc/<pid>/mountinfo 中它的 /
处的挂载，若是叠加文件系统（overlayfs）则列出各镜像层（layer）；按名称列出 CapEff、CapPrm、CapBnd 中的能力（capability）；
/proc/<pid>/status 中的 Seccomp、Seccomp_filters 和 NoNewPrivs。第一行是结论。不会改动任何东西。读取别的进程的命名空间需要
root 权限。

选项：
  --json    在标准输出打印一个 JSON 对象，包含全部事实（数字就是数字，没有的为 \`null\`）

退出状态：检查成功为 0；没有这个进程或容器、或无法读取时为 1；用法错误为 2。`,
};

const WIDTH = 100;

/** A container the name or id named, and its PID 1 on the host. */
export interface Target {
  pid: number;
  container: { id: string; name: string } | null;
}

const SEE_PS: Text = {
  en: 'Give a PID from `ps -e`, or a running container from `lab container ps`.',
  zh: '给出 `ps -e` 中的一个 PID，或 `lab container ps` 中一个正在运行的容器。',
};

function noSuchProcess(pid: number, path: string): LabError {
  return new LabError({
    operation: `read \`${path}\``,
    code: 'ESRCH',
    meaning: { en: `No such process: ${pid} is not running on this host.`, zh: `没有这个进程：这台宿主机上没有在运行的 ${pid}。` },
    fix: SEE_PS,
  });
}

function notPermitted(path: string, code: string): LabError {
  const root = process.getuid?.() === 0;
  return new LabError({
    operation: `readlink \`${path}\``,
    code,
    meaning: root
      ? {
          en: 'The kernel refused to show this process’s namespaces: it holds capabilities this root lacks (ptrace access mode).',
          zh: '内核拒绝显示这个进程的命名空间：它拥有的能力比这里的 root 更多（ptrace 访问检查）。',
        }
      : {
          en: 'Not root: the kernel shows another user’s /proc/<pid>/ns only to root (ptrace access mode).',
          zh: '不是 root：内核只向 root 显示其他用户进程的 /proc/<pid>/ns（ptrace 访问检查）。',
        },
    fix: root
      ? { en: 'Inspect one of its children, or run on the host outside any container.', zh: '改为检查它的子进程，或在任何容器之外的宿主机上运行。' }
      : { en: 'Run it as root: `sudo lab inspect …`.', zh: '以 root 身份运行：`sudo lab inspect …`。' },
  });
}

function noContainer(word: string, why: Text): LabError {
  return new LabError({ operation: `lab inspect ${word}`, code: 'no-such-container', meaning: why, fix: SEE_PS });
}

/** The PID a word names: a running process's PID, else a lab container's name, id or unique id prefix. */
async function resolve(word: string): Promise<Target> {
  const numeric = /^\d+$/.test(word);
  if (numeric && existsSync(`/proc/${word}/status`)) return { pid: Number(word), container: null };
  const { listContainerRecords, readContainerState } = await import('../host/container-store.js');
  const records = listContainerRecords();
  const byName = records.find((r) => r.name === word);
  const byId = byName ? [byName] : /^[0-9a-f]+$/.test(word) ? records.filter((r) => r.id.startsWith(word)) : [];
  if (byId.length === 1) {
    const record = byId[0]!;
    const state = readContainerState(record.id);
    const { isAlive } = await import('../kernel/proc.js');
    if (state.status !== 'exited' && state.pid !== undefined && isAlive(state.pid, state.pidStart)) {
      return { pid: state.pid, container: { id: record.id, name: record.name } };
    }
    throw noContainer(word, {
      en: `Container ${record.name} (${record.id.slice(0, 12)}) is not running: it has no process to inspect.`,
      zh: `容器 ${record.name}（${record.id.slice(0, 12)}）没有在运行：没有可检查的进程。`,
    });
  }
  if (numeric) return { pid: Number(word), container: null };
  if (byId.length > 1) {
    throw noContainer(word, {
      en: `${word} is the start of ${byId.length} container ids: give more of it.`,
      zh: `${word} 是 ${byId.length} 个容器 id 的开头：请多给几位。`,
    });
  }
  throw noContainer(word, {
    en: `No such process or container: ${word} is neither a PID nor the name or id of a lab container.`,
    zh: `没有这个进程或容器：${word} 既不是 PID，也不是某个 lab 容器的名称或 id。`,
  });
}

/** A line wrapped to `width` columns: at spaces, and a path too long for a line after one of its slashes. */
function wrapPaths(line: string, width: number): string[] {
  const out: string[] = [];
  for (let piece of wrapLine(line, width)) {
    while (displayWidth(piece) > width) {
      const cut = piece.lastIndexOf('/', width);
      if (cut <= 0) break;
      out.push(piece.slice(0, cut));
      piece = piece.slice(cut);
    }
    out.push(piece);
  }
  return out;
}

/** One labelled row in columns: the value after the label, wrapped to the width, its next lines under it. */
function layoutRow(label: string, value: string, labelWidth: number): string[] {
  const indent = 2 + labelWidth + 2;
  const out: string[] = [];
  for (const line of value.split('\n')) {
    for (const piece of wrapPaths(line, WIDTH - indent)) {
      const head = out.length === 0 ? `  ${label}${' '.repeat(labelWidth - displayWidth(label) + 2)}` : ' '.repeat(indent);
      out.push(head + piece);
    }
  }
  return out.length ? out : [`  ${label}`];
}

/** The report as text: the verdict line, then each section with its rows aligned, in at most 100 columns. */
export function formatXray(x: Xray, lang: Lang, container: Target['container'] = null): string {
  const named = container ? `${lang === 'zh' ? '，容器 ' : ', container '}${container.name} (${container.id.slice(0, 12)})` : '';
  const lines = wrapLine(`${x.pid} (${x.comm})${named}${lang === 'zh' ? '：' : ': '}${verdictText(x)[lang]}`, WIDTH);
  for (const section of reportSections(x)) {
    lines.push('', ...wrapLine(section.heading[lang], WIDTH));
    const labelWidth = Math.max(...section.rows.map((r) => displayWidth(r.label[lang])));
    for (const row of section.rows) lines.push(...layoutRow(row.label[lang], row.value[lang], labelWidth));
  }
  return lines.join('\n');
}

/** The report as one JSON object: every fact, and the verdict line in the learner's language. */
export function xrayJson(x: Xray, target: Target, lang: Lang): unknown {
  return { ...x, container: target.container, verdict: { ...x.verdict, text: verdictText(x)[lang] } };
}

/** Run `lab inspect`. */
export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('inspect', args, { json: { type: 'boolean' } });
  if (positionals.length !== 1) {
    throw usage(`lab inspect ${positionals.join(' ')}`.trim(), {
      en: 'Give one PID or one container name or id.',
      zh: '请给出一个 PID，或一个容器名称或 id。',
    });
  }
  const target = await resolve(positionals[0]!);
  const result = xray(target.pid);
  if (!result.ok) throw result.why === 'no-such-process' ? noSuchProcess(target.pid, result.path) : notPermitted(result.path, result.code);
  const out = values.json ? JSON.stringify(xrayJson(result.xray, target, lang), null, 2) : formatXray(result.xray, lang, target.container);
  process.stdout.write(`${out}\n`);
  return 0;
}
