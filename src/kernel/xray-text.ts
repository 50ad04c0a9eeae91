// The X-ray of a process (xray.ts) in words, English and Chinese: the verdict line, then sections of labelled rows
// (namespaces, cgroup, root filesystem, capabilities, security). Terms as ../shared/GLOSSARY.md gives them. Pure: the
// layout in columns is the CLI's (src/cli/inspect.ts).
import { bilingual, type Say, type Text } from '../common/vocabulary.js';
import { CAPABILITY_NAMES, type DecodedCapabilities } from './capability-names.js';
import type { CpuMax, IoMax, MaxValue } from './cgroup.js';
import { formatIdMap } from './id-map.js';
import { LIMIT_FILES, type NamespaceFact, type ProcessIds, type Xray } from './xray.js';

/** One labelled row; a value may hold several lines. */
export interface XrayRow {
  label: Text;
  value: Text;
}

/** A heading and its rows. */
export interface XraySection {
  heading: Text;
  rows: XrayRow[];
}

const same = (text: string): Text => ({ en: text, zh: text });
const list = (items: readonly string[], say: Say): string => items.join(say(', ', '、'));

/** The verdict line: facts only, `a container: own mnt, uts ... namespaces; cgroup /...; root is an overlay of N layers`. */
export function verdictText(x: Xray): Text {
  const v = x.verdict;
  return bilingual((say) => {
    const root =
      v.root.kind === 'host'
        ? say("root is the host's", '根目录是宿主机的')
        : v.root.kind === 'overlay'
          ? say(`root is an overlay of ${v.root.layers} layer${v.root.layers === 1 ? '' : 's'}`, `根目录是 ${v.root.layers} 层的叠加文件系统（overlayfs）`)
          : v.root.kind === 'other'
            ? say(`root is ${v.root.path} (${v.root.fsType})`, `根目录是 ${v.root.path}（${v.root.fsType}）`)
            : say('root unknown', '根目录未知');
    const cgroup = v.cgroup === null ? [] : [say(`cgroup ${v.cgroup}`, `控制组（cgroup）${v.cgroup}`)];
    if (!v.container) {
      const tail = v.root.kind === 'host' ? '' : say('; ', '；') + root;
      return (
        say('not a container: it shares every namespace with the host', '不是容器（container）：它的每个命名空间（namespace）都与宿主机（host）共用') + tail
      );
    }
    const own = say(
      `own ${list(v.ownNamespaces, say)} namespace${v.ownNamespaces.length === 1 ? '' : 's'}`,
      `有自己的 ${list(v.ownNamespaces, say)} 命名空间（namespace）`,
    );
    return say('a container: ', '是容器（container）：') + [own, ...cgroup, root].join(say('; ', '；'));
  });
}

const who = (p: { pid: number; comm: string }): string => `${p.pid} (${p.comm})`;

/** How a namespace is shared: `alone`, `shared with 2 other processes: 1234 (sleep), 1240 (sh)`. */
function sharing(n: NamespaceFact, say: Say): string {
  const { count, processes } = n.sharedWith;
  if (count === 0) return say('no other process in it', '没有别的进程在其中');
  const more = count > processes.length ? say(`, … ${count - processes.length} more`, `、…… 另外 ${count - processes.length} 个`) : '';
  const names = n.own ? say(': ', '：') + list(processes.map(who), say) + more : '';
  return say(`shared with ${count} other process${count === 1 ? '' : 'es'}`, `与另外 ${count} 个进程共用`) + names;
}

function namespaceRow(x: Xray, n: NamespaceFact): XrayRow {
  return {
    label: same(n.type),
    value: bilingual((say) => {
      if (n.inode === null) return say('none on this kernel', '这个内核（kernel）没有');
      const whose = n.own ? say('its own', '自己的') : say("the host's", '宿主机的');
      const extra: string[] = [];
      if (n.type === 'pid' && x.nspid.length > 1)
        extra.push(say(`NSpid ${x.nspid.join(' ')}: PID ${x.nspid.at(-1)} inside`, `NSpid ${x.nspid.join(' ')}：在其中是 PID ${x.nspid.at(-1)}`));
      else if (n.type === 'pid') extra.push(`NSpid ${x.nspid.join(' ')}`);
      if (n.type === 'user') extra.push(`uid_map ${formatIdMap(x.idMaps.uid)}${say('; ', '；')}gid_map ${formatIdMap(x.idMaps.gid)}`);
      return [`${n.inode} ${whose}${say(', ', '，')}${sharing(n, say)}`, ...extra].join('\n');
    }),
  };
}

const ids = (p: ProcessIds | null, name: string, say: Say): string => {
  if (p === null) return `${name} ?`;
  if (p.real === p.effective && p.real === p.saved && p.real === p.filesystem) return `${name} ${p.real}`;
  return `${name} ${p.real} (${say('effective', '有效')} ${p.effective}, ${say('saved', '保存')} ${p.saved}, fs ${p.filesystem})`;
};

const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

const maxText = (value: MaxValue, say: Say): string => (value === 'max' ? say('max (no limit)', 'max（不限）') : String(value));
const mib = (bytes: number): string => (bytes >= 1024 * 1024 ? ` (${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) ? 1 : 0)} MiB)` : '');

function limitText(file: (typeof LIMIT_FILES)[number], x: Xray, say: Say): string {
  const value = x.cgroup.limits[file];
  if (value === null) return say('not enabled (no such file)', '未启用（没有这个文件）');
  if (file === 'cpu.max') {
    const cpu = value as CpuMax;
    return cpu.quota === 'max'
      ? `max ${cpu.period} ${say('(no limit)', '（不限）')}`
      : `${cpu.quota} ${cpu.period} (${+(cpu.quota / cpu.period).toFixed(2)} CPU)`;
  }
  if (file === 'io.max') {
    const io = value as IoMax[];
    if (io.length === 0) return say('no device limited', '没有限制任何设备');
    return io.map((d) => `${d.device} rbps=${d.rbps} wbps=${d.wbps} riops=${d.riops} wiops=${d.wiops}`).join('\n');
  }
  const n = value as MaxValue;
  return maxText(n, say) + (typeof n === 'number' && file.startsWith('memory.') ? mib(n) : '');
}

function cgroupRows(x: Xray): XrayRow[] {
  const c = x.cgroup;
  const rows: XrayRow[] = [
    {
      label: same('v2'),
      value: bilingual((say) =>
        c.v2Path === null
          ? say('no cgroup v2 line (0::) in /proc/<pid>/cgroup', '/proc/<pid>/cgroup 中没有 cgroup v2 行（0::）')
          : `${c.v2Path}${c.dir ? `\n${c.dir}` : ''}`,
      ),
    },
  ];
  if (c.dir !== null) for (const file of LIMIT_FILES) rows.push({ label: same(file), value: bilingual((say) => limitText(file, x, say)) });
  if (c.v1.length > 0) {
    // Group the v1 hierarchies by the path the process has in them.
    const byPath = new Map<string, string[]>();
    for (const h of c.v1) byPath.set(h.path, [...(byPath.get(h.path) ?? []), ...h.controllers]);
    const lines = [...byPath].map(([path, controllers]) => `${path}: ${controllers.join(',')}`);
    rows.push({
      label: same('v1'),
      value: bilingual((say) =>
        [
          say(
            'cgroup v1 hierarchies are mounted too (a hybrid host): its path in each, elsewhere:',
            '这台宿主机还挂载了 cgroup v1 层级（混合模式）：它在各层级中的路径，在别处：',
          ),
          ...lines,
        ].join('\n'),
      ),
    });
  }
  return rows;
}

function rootRows(x: Xray): XrayRow[] {
  const r = x.root;
  const rows: XrayRow[] = [
    {
      label: same('/proc/<pid>/root'),
      value: bilingual((say) => {
        if (r.sameAsHost === null) return say('unreadable', '无法读取');
        return `${r.id} ${r.sameAsHost ? say("the host's root (same dev:ino)", '就是宿主机的根目录（dev:ino 相同）') : say(`not the host's root (${r.hostId})`, `不是宿主机的根目录（宿主机为 ${r.hostId}）`)}`;
      }),
    },
    {
      label: bilingual((say) => say('mount at /', '/ 处的挂载')),
      value: bilingual((say) =>
        r.mount ? `${r.mount.fsType} ${r.mount.source} ${say('root', '根')} ${r.mount.root} (${r.mount.options})` : say('none found', '没有找到'),
      ),
    },
  ];
  if (r.overlay) {
    rows.push({
      label: same('lowerdir'),
      value: bilingual((say) => [say('the layers, top first:', '各镜像层（layer），从上到下：'), ...r.overlay!.lowerdir].join('\n')),
    });
    rows.push({ label: same('upperdir'), value: same(r.overlay.upperdir ?? '-') });
    rows.push({ label: same('workdir'), value: same(r.overlay.workdir ?? '-') });
  }
  return rows;
}

function capsText(caps: DecodedCapabilities | null, of: DecodedCapabilities | null, lastCap: number, say: Say): string {
  if (caps === null) return '?';
  if (caps.all) return say(`all ${caps.count} (${caps.hex})`, `全部 ${caps.count} 项（${caps.hex}）`);
  if (of !== null && caps.hex === of.hex) return say('the same as effective', '与 effective 相同');
  if (caps.count === 0) return say('none (0000000000000000)', '没有（0000000000000000）');
  const known = lastCap + 1;
  // Name the shorter list: what it holds, or what it lacks of the kernel's.
  if (caps.count > known / 2) {
    const missing = CAPABILITY_NAMES.slice(0, known).filter((name) => !caps.names.includes(name));
    return say(`${caps.count} (${caps.hex}): all but `, `${caps.count} 项（${caps.hex}）：除以下之外的全部：`) + missing.join(', ');
  }
  return `${caps.count} (${caps.hex})${say(': ', '：')}${caps.names.join(', ')}`;
}

function capabilityRows(x: Xray): XrayRow[] {
  const c = x.capabilities;
  return [
    { label: same('CapEff'), value: bilingual((say) => capsText(c.effective, null, c.lastCap, say)) },
    { label: same('CapPrm'), value: bilingual((say) => capsText(c.permitted, c.effective, c.lastCap, say)) },
    { label: same('CapBnd'), value: bilingual((say) => capsText(c.bounding, c.effective, c.lastCap, say)) },
    {
      label: bilingual((say) => say('lacks', '缺少')),
      value: bilingual((say) =>
        c.lacking.length === 0
          ? say("nothing the host's PID 1 has", '宿主机 PID 1 有的它都有')
          : say(`${c.lacking.length} the host's PID 1 has: `, `宿主机 PID 1 有而它没有的 ${c.lacking.length} 项：`) + c.lacking.join(', '),
      ),
    },
  ];
}

const SECCOMP: Record<number, Text> = {
  0: { en: 'disabled', zh: '未启用' },
  1: { en: 'strict', zh: '严格模式（strict）' },
  2: { en: 'filter', zh: '过滤模式（filter）' },
};

/** The sections of the report, after the verdict line. */
export function reportSections(x: Xray): XraySection[] {
  const reference = bilingual((say) =>
    x.reference.why === 'pid-1'
      ? say("the host's: those of PID 1", '宿主机（host）的：PID 1 的')
      : x.reference.why === 'kthreadd'
        ? say("the host's: those of kthreadd (PID 2), as PID 1's are unreadable here", '宿主机（host）的：kthreadd（PID 2）的，因为这里读不了 PID 1 的')
        : say(
            `this process's (PID ${x.reference.pid}), as PID 1's are unreadable here`,
            `本进程 PID ${x.reference.pid} 的，因为这里读不了宿主机（host）PID 1 的`,
          ),
  );
  return [
    {
      heading: bilingual((say) => say('Process', '进程')),
      rows: [
        { label: bilingual((say) => say('command', '命令')), value: same(x.command.length ? x.command.map(quote).join(' ') : `[${x.comm}]`) },
        { label: same('PPid'), value: same(String(x.ppid ?? '?')) },
        { label: bilingual((say) => say('user', '用户')), value: bilingual((say) => `${ids(x.uid, 'uid', say)}${say(', ', '，')}${ids(x.gid, 'gid', say)}`) },
      ],
    },
    {
      heading: bilingual((say) => say(`Namespaces, compared with ${reference.en}`, `命名空间（namespace），对照${reference.zh}`)),
      rows: x.namespaces.map((n) => namespaceRow(x, n)),
    },
    { heading: bilingual((say) => say('Control group (cgroup)', '控制组（cgroup）')), rows: cgroupRows(x) },
    {
      heading: bilingual((say) => say('Root filesystem (from mountinfo)', '根文件系统（rootfs），从 mountinfo 读出')),
      rows: rootRows(x),
    },
    {
      heading: bilingual((say) => say(`Capabilities (this kernel knows ${c41(x)})`, `能力（capability），这个内核（kernel）共有 ${c41(x)} 项`)),
      rows: capabilityRows(x),
    },
    {
      heading: bilingual((say) => say('Security', '安全')),
      rows: [
        {
          label: same('Seccomp'),
          value: bilingual((say, lang) =>
            x.seccomp.mode === null
              ? '?'
              : `${x.seccomp.mode}${say(' (', '（')}${SECCOMP[x.seccomp.mode]?.[lang] ?? '?'}${say(')', '）')}` +
                (x.seccomp.filters === null
                  ? ''
                  : say(`, ${x.seccomp.filters} filter${x.seccomp.filters === 1 ? '' : 's'}`, `，${x.seccomp.filters} 个过滤器`)),
          ),
        },
        { label: same('NoNewPrivs'), value: same(x.noNewPrivs === null ? '?' : x.noNewPrivs ? '1' : '0') },
      ],
    },
  ];
}

const c41 = (x: Xray): number => x.capabilities.lastCap + 1;
