// `lab container ps`, `logs`, `stop`, `rm`, `inspect`, `commit`, `export`: the containers as Docker shows them.
// A usage error exits 125, an operational one (no such container, a running one without -f) 1, as Docker's.
import { LabError } from '../common/errors.js';
import type { Lang, Text } from '../common/vocabulary.js';
import { commitContainer, exportContainer } from '../runtime/image-ops.js';
import { inspectContainer } from '../runtime/inspect.js';
import { findContainer, humanDuration, listContainers, removeContainer, statusText, stopContainer } from '../runtime/lifecycle.js';
import { printLogs } from '../runtime/logs.js';
import { parseImageName } from '../kernel/image-format.js';
import { exitStatusHelp, on, operational, parseContainerArgs, usageError, valueOf } from './container-args.js';

type ManageCommand = 'ps' | 'logs' | 'stop' | 'rm' | 'inspect' | 'commit' | 'export';

const NO_SUCH: Text = { en: 'there is no such container', zh: '没有这个容器时' };

/** What exits 1 in each subcommand: its operational errors (ps has none). */
const FAILURES: Record<ManageCommand, Text | undefined> = {
  ps: undefined,
  logs: NO_SUCH,
  stop: NO_SUCH,
  rm: {
    en: 'there is no such container, it is running (without -f), or not all of it could be removed',
    zh: '没有这个容器、容器正在运行（未加 -f）、或没能全部移除时',
  },
  inspect: NO_SUCH,
  commit: { en: 'there is no such container, or the image name is taken', zh: '没有这个容器、或镜像名已被占用时' },
  export: { en: 'there is no such container, or the tar could not be written', zh: '没有这个容器、或没能写出 tar 时' },
};

/** Usage lines of the subcommands here, both languages (the exit statuses are added below). */
const USAGE: Record<ManageCommand, Record<Lang, string>> = {
  commit: {
    en: "Usage: lab container commit CONTAINER NAME[:TAG]\n\nA new image: the container's writable layer (its overlay upper dir, whiteouts and opaque directories kept) on\ntop of its image's layers, with the container's command, environment and working directory.",
    zh: '用法：lab container commit 容器 名称[:标签]\n\n生成新镜像：把容器的可写层（overlay 的 upper 目录，保留 whiteout 和不透明目录）放在它的镜像各层之上，\n并带上容器的命令、环境变量和工作目录。',
  },
  export: {
    en: "Usage: lab container export [-o FILE] CONTAINER\n\nThe container's merged view (image layers and writable layer as one tree) as a tar, to FILE or stdout;\na stopped container's overlay is mounted read-only in a private mount namespace for it.",
    zh: '用法：lab container export [-o 文件] 容器\n\n把容器的合并视图（镜像各层加可写层合成的一棵树）写成 tar，写到文件或标准输出；\n对已停止的容器，会在一个私有的挂载命名空间里只读挂载它的 overlay。',
  },
  ps: {
    en: 'Usage: lab container ps [-a] [-q]\n\nThe running containers (-a: all of them): CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, NAMES (-q: only the ids).',
    zh: '用法：lab container ps [-a] [-q]\n\n正在运行的容器（-a：全部）：CONTAINER ID、IMAGE、COMMAND、CREATED、STATUS、NAMES（-q：只列 ID）。',
  },
  logs: {
    en: "Usage: lab container logs [-f] CONTAINER\n\nWhat the container's PID 1 wrote, each line to the stream it came from (-f: follow until it ends).",
    zh: '用法：lab container logs [-f] 容器\n\n容器的 PID 1 写出的内容，按原来的输出流打印（-f：持续跟随直到它结束）。',
  },
  stop: {
    en: 'Usage: lab container stop [-t SECONDS] CONTAINER...\n\nSIGTERM to PID 1, then SIGKILL after the grace period (default 10 s), as docker stop.',
    zh: '用法：lab container stop [-t 秒数] 容器...\n\n向 PID 1 发送 SIGTERM，宽限期（默认 10 秒）过后发送 SIGKILL，和 docker stop 一样。',
  },
  rm: {
    en: 'Usage: lab container rm [-f] CONTAINER...\n\nRemove stopped containers: their cgroup, directories, network namespace and journal (-f: kill a running one first). Every container named is tried, as Docker does.',
    zh: '用法：lab container rm [-f] 容器...\n\n移除已停止的容器：它的 cgroup、目录、网络命名空间和日志（journal）（-f：先杀死正在运行的容器）。和 Docker 一样，每个列出的容器都会尝试移除。',
  },
  inspect: {
    en: 'Usage: lab container inspect CONTAINER...\n\nJSON: id, name, state, config, namespaces (inodes), cgroup and limits, the overlay directories.',
    zh: '用法：lab container inspect 容器...\n\nJSON：ID、名称、状态、配置、命名空间（inode）、cgroup 与限制、overlay 的各个目录。',
  },
};

/** Each subcommand's --help, both languages: its usage, then its exit statuses. */
export const MANAGE_USAGE = Object.fromEntries(
  (Object.keys(USAGE) as ManageCommand[]).map((name) => {
    const exit = exitStatusHelp(FAILURES[name]);
    return [name, { en: `${USAGE[name].en}\n\n${exit.en}`, zh: `${USAGE[name].zh}\n\n${exit.zh}` }];
  }),
) as Record<ManageCommand, Record<Lang, string>>;

function needsOne(command: string, names: readonly string[]): void {
  if (names.length === 0) {
    throw usageError(command, {
      en: `"lab container ${command}" requires at least 1 argument`,
      zh: `"lab container ${command}" 至少需要 1 个参数`,
    });
  }
}

/** Refuse words past the `max` a subcommand takes (Docker's "accepts no arguments", "requires exactly 1 argument"). */
function atMost(command: string, names: readonly string[], max: number): void {
  if (names.length > max) {
    const extra = names
      .slice(max)
      .map((name) => JSON.stringify(name))
      .join(' ');
    throw usageError(command, {
      en: `"lab container ${command}" ${max === 0 ? 'accepts no arguments' : `takes at most ${max} argument${max === 1 ? '' : 's'}`}; too many: ${extra}`,
      zh: `"lab container ${command}" ${max === 0 ? '不接受参数' : `最多接受 ${max} 个参数`}；多出的参数：${extra}`,
    });
  }
}

/** Columns padded as `docker ps` pads them (three spaces between). */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

/** `lab container ps`. */
export async function psCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs(
    'ps',
    args,
    [
      { key: 'all', names: ['-a', '--all'], kind: 'switch' },
      { key: 'quiet', names: ['-q', '--quiet'], kind: 'switch' },
    ],
    false,
  );
  atMost('ps', parsed.positionals, 0);
  if (on(parsed, 'quiet')) {
    // Only the short ids, newest first: what `lab container rm -f $(lab container ps -aq)` takes.
    const ids = listContainers()
      .reverse()
      .filter((found) => found.running || on(parsed, 'all'))
      .map((found) => `${found.record.id.slice(0, 12)}\n`);
    process.stdout.write(ids.join(''));
    return 0;
  }
  const now = Date.now();
  const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES']];
  for (const found of listContainers().reverse()) {
    if (!found.running && !on(parsed, 'all')) continue;
    const command = found.record.command.join(' ');
    rows.push([
      found.record.id.slice(0, 12),
      found.record.image.replace(/:latest$/, ''),
      `"${command.length > 20 ? `${command.slice(0, 19)}…` : command}"`,
      `${humanDuration(now - Date.parse(found.record.created))} ago`,
      statusText(found, now),
      found.record.name,
    ]);
  }
  process.stdout.write(`${table(rows)}\n`);
  return 0;
}

/** `lab container logs`. */
export async function logsCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs('logs', args, [{ key: 'follow', names: ['-f', '--follow'], kind: 'switch' }], false);
  needsOne('logs', parsed.positionals);
  atMost('logs', parsed.positionals, 1);
  await printLogs(parsed.positionals[0]!, on(parsed, 'follow'), (entry) => (entry.stream === 'stderr' ? process.stderr : process.stdout).write(entry.log));
  return 0;
}

/** `lab container stop`. */
export async function stopCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs('stop', args, [{ key: 'time', names: ['-t', '--time'], kind: 'value' }], false);
  needsOne('stop', parsed.positionals);
  const time = valueOf(parsed, 'time') ?? '10';
  if (!/^\d+$/.test(time))
    throw usageError('stop', {
      en: `invalid argument "${time}" for "-t, --time" flag`,
      zh: `"-t, --time" 的值 "${time}" 无效`,
    });
  for (const name of parsed.positionals) {
    await stopContainer(findContainer(name, 'lab container stop'), Number(time));
    process.stdout.write(`${name}\n`);
  }
  return 0;
}

/** `lab container rm`. */
export async function rmCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs('rm', args, [{ key: 'force', names: ['-f', '--force'], kind: 'switch' }], false);
  needsOne('rm', parsed.positionals);
  // As Docker's: every container named is tried; one that cannot be removed is reported and the status is 1.
  let failed: unknown;
  for (const name of parsed.positionals) {
    try {
      await removeContainer(findContainer(name, 'lab container rm'), on(parsed, 'force'));
      process.stdout.write(`${name}\n`);
    } catch (error) {
      if (parsed.positionals.length === 1) throw error;
      failed = error;
      process.stderr.write(`${error instanceof LabError ? `${error.operation}: ${error.meaning.en}` : String(error)}\n`);
    }
  }
  if (failed === undefined) return 0;
  throw failed;
}

/** `lab container inspect`. */
export async function inspectCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs('inspect', args, [], false);
  needsOne('inspect', parsed.positionals);
  const all = parsed.positionals.map((name) => inspectContainer(findContainer(name, 'lab container inspect')));
  process.stdout.write(`${JSON.stringify(all, null, 4)}\n`);
  return 0;
}

/** `lab container commit`. */
export async function commitCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs('commit', args, [], false);
  const [container, name] = parsed.positionals;
  atMost('commit', parsed.positionals, 2);
  if (container === undefined || name === undefined) {
    throw usageError('commit', {
      en: '"lab container commit" requires 2 arguments (CONTAINER NAME[:TAG])',
      zh: '"lab container commit" 需要 2 个参数（容器 名称[:标签]）',
    });
  }
  parseImageName(name);
  const image = await operational(() => commitContainer(findContainer(container, 'lab container commit'), name));
  process.stdout.write(`${image.name}\n`);
  return 0;
}

/** `lab container export`. */
export async function exportCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs('export', args, [{ key: 'output', names: ['-o', '--output'], kind: 'value' }], false);
  needsOne('export', parsed.positionals);
  atMost('export', parsed.positionals, 1);
  const output = valueOf(parsed, 'output') ?? '-';
  if (output === '-' && process.stdout.isTTY) {
    throw usageError('export', {
      en: 'cowardly refusing to save to a terminal. Use the -o flag or redirect',
      zh: '不会把 tar 写到终端上：请用 -o 选项或重定向',
    });
  }
  await exportContainer(findContainer(parsed.positionals[0]!, 'lab container export'), output);
  return 0;
}
