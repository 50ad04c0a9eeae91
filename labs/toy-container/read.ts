// Readers of the kernel facts the toy-container lab checks: files seen through a process's root (/proc/<pid>/root,
// so the path means what it means to that process), its environment, its executable, its network namespace's routes.
import { accessSync, constants, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { bilingual, type Text } from '../../src/common/vocabulary.js';
import { majorMinor, readNetDev } from '../../src/kernel/net.js';

/** What lstat(2) says of a path as a process sees it: a link's target, a device node's number. */
export interface InFacts {
  /** The text of a symbolic link. */
  link?: string;
  /** `c 1:3` for a character device, `b 7:0` for a block device. */
  device?: string;
  size: number;
}

/** lstat a path through a process's root; undefined when it does not exist there. */
export function statIn(pid: number, path: string): InFacts | undefined {
  const full = `/proc/${pid}/root${path}`;
  try {
    const st = lstatSync(full, { bigint: true });
    const facts: InFacts = { size: Number(st.size) };
    if (st.isSymbolicLink()) facts.link = readlinkSync(full);
    if (st.isCharacterDevice()) facts.device = `c ${majorMinor(st.rdev)}`;
    if (st.isBlockDevice()) facts.device = `b ${majorMinor(st.rdev)}`;
    return facts;
  } catch {
    return undefined;
  }
}

/** A file as a process sees it, compared with a reference file of the host. */
export interface FileFacts {
  executable: boolean;
  sameAsReference: boolean;
  /** The facts, for a check's `found`. */
  text: Text;
}

/** Whether a regular file seen through a process's root is executable and has the reference's bytes. */
export function fileFacts(pid: number, path: string, reference: string): FileFacts | undefined {
  const full = `/proc/${pid}/root${path}`;
  try {
    const st = lstatSync(full);
    if (!st.isFile()) return { executable: false, sameAsReference: false, text: bilingual((say) => `${path}${say(': not a regular file', '：不是普通文件')}`) };
    let executable = true;
    try {
      accessSync(full, constants.X_OK);
    } catch {
      executable = false;
    }
    const same = st.size === statSync(reference).size && readFileSync(full).equals(readFileSync(reference));
    const mode = (st.mode & 0o7777).toString(8);
    const size = statSync(reference).size;
    const text = bilingual(
      (say) =>
        `${path}${say(': ', '：')}${st.size} ${say('bytes, mode', '字节，权限')} ${mode}${say('; ', '；')}${reference}${say(': ', '：')}${size} ${say('bytes', '字节')}${say(', contents ', '，内容')}${same ? say('equal', '相同') : say('differ', '不同')}`,
    );
    return { executable, sameAsReference: same, text };
  } catch {
    return undefined;
  }
}

/** A process's initial environment, `K=V` entries, from /proc/<pid>/environ. */
export function readEnviron(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** The path of a process's executable, as the kernel names it from the process's mount (/proc/<pid>/exe). */
export function readExe(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** `major:minor` of the filesystem a process's root directory is on (stat of /proc/<pid>/root). */
export function rootDevice(pid: number): string | undefined {
  try {
    return majorMinor(statSync(`/proc/${pid}/root`, { bigint: true }).dev);
  } catch {
    return undefined;
  }
}

/**
 * The interfaces of a process's network namespace (/proc/<pid>/net/dev), and whether lo is up: the kernel adds
 * 127.0.0.1 to the local routing table when lo comes up (and removes it when lo goes down), so /proc/<pid>/net/fib_trie
 * lists 127.0.0.1 exactly while lo is up.
 */
export function readFib(pid: number): { links: string[]; loopbackUp: boolean } {
  let trie = '';
  try {
    trie = readFileSync(`/proc/${pid}/net/fib_trie`, 'utf8');
  } catch {
    // No such process: neither list.
  }
  return { links: readNetDev(pid) ?? [], loopbackUp: /\b127\.0\.0\.1\b/.test(trie) };
}
