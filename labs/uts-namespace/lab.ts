// The uts-namespace lab: a hostname and a NIS domain name of the container's own, set inside while the host keeps
// its own; two sibling namespaces with two names; and the learner naming their own "container".
import { dieWithHarness, nsenterArgv, unshareArgv } from '../../src/kernel/namespaces.js';
import { nsInode } from '../../src/kernel/proc.js';
import { readUtsName, utsNameArgv, type UtsName } from '../../src/kernel/uts.js';
import type { Action, CheckContext, LabContext, LabSpec, Verdict } from '../../src/lab/spec.js';
import { ownNamespace } from '../../src/lab/checks.js';

/** The names the lab gives its two "containers" and the domain name of the first. */
const NAME_A = 'box-a';
const NAME_B = 'box-b';
const DOMAIN = 'lab.example';

/** Run a command inside the UTS namespace of a lab process, the way `docker exec` would. */
const inside = (ctx: LabContext, name: string, command: string[]): string[] =>
  nsenterArgv(ctx.proc(name).pid, ['uts'], command);

/** Start a process that holds a new UTS namespace of its own. */
const startHolder = (name: string): Action => ({
  kind: 'start',
  name,
  argv: dieWithHarness(unshareArgv({ namespaces: ['uts'], fork: true }, ['sleep', 'infinity'])),
  pidOf: 'child',
});

/** A name as the UTS namespace of a lab process holds it, read through `nsenter` (a kernel answer, not a file of ours). */
async function nameInside(ctx: CheckContext, name: string, field: UtsName): Promise<string> {
  const result = await ctx.probe(utsNameArgv(ctx.proc(name).pid, field));
  return result.exitCode === 0 ? result.stdout.trim() : `(exit ${result.exitCode})`;
}

/** Whether the lab set `wanted` as a name inside while the host's name stayed different. */
async function setInsideOnly(ctx: CheckContext, field: UtsName, wanted: string): Promise<Verdict> {
  const lab = await nameInside(ctx, 'box', field);
  const host = readUtsName(field) ?? '?';
  return {
    ok: lab === wanted && host !== wanted,
    found: { en: `inside: ${lab}; host: ${host}`, zh: `命名空间内：${lab}；宿主机：${host}` },
  };
}

export default {
  format: 1,
  id: 'uts-namespace',
  order: 2,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'ns-uts'],
  shell: { target: 'box', namespaces: ['uts'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [
        startHolder('box'),
        (ctx) => ({ kind: 'run', argv: ['readlink', '/proc/self/ns/uts', `/proc/${ctx.proc('box').pid}/ns/uts`] }),
        { kind: 'run', argv: ['hostname'] },
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['hostname']) }),
      ],
      checks: [
        ownNamespace('uts', 'box', {
            en: 'the lab\'s process lives in a UTS namespace other than the host\'s',
            zh: '实验的进程所在的 UTS 命名空间与宿主机的不同',
          }),
        {
          id: 'copied-name',
          title: {
            en: 'the new namespace started with a copy of the host\'s hostname',
            zh: '新命名空间一开始的主机名是宿主机主机名的一份拷贝',
          },
          verify: async (ctx) => {
            const lab = await nameInside(ctx, 'box', 'hostname');
            const host = readUtsName('hostname') ?? '?';
            return { ok: lab === host, found: { en: `inside: ${lab}; host: ${host}`, zh: `命名空间内：${lab}；宿主机：${host}` } };
          },
        },
      ],
    },
    {
      id: 'set-names',
      kind: 'demo',
      actions: [
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['hostname', NAME_A]) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['domainname', DOMAIN]) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['uname', '-n']) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['cat', '/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname']) }),
        { kind: 'run', argv: ['cat', '/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname'] },
      ],
      checks: [
        {
          id: 'hostname-inside-only',
          title: {
            en: `the hostname inside is ${NAME_A}, and the host's hostname is not`,
            zh: `命名空间内的主机名是 ${NAME_A}，宿主机的主机名并没有变成它`,
          },
          verify: (ctx) => setInsideOnly(ctx, 'hostname', NAME_A),
        },
        {
          id: 'domainname-inside-only',
          title: {
            en: `the NIS domain name inside is ${DOMAIN}, and the host's is not`,
            zh: `命名空间内的 NIS 域名是 ${DOMAIN}，宿主机的域名并没有变成它`,
          },
          verify: (ctx) => setInsideOnly(ctx, 'domainname', DOMAIN),
        },
      ],
    },
    {
      id: 'siblings',
      kind: 'demo',
      actions: [
        startHolder('sibling'),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'sibling', ['hostname', NAME_B]) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['hostname']) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'sibling', ['hostname']) }),
        { kind: 'run', argv: ['hostname'] },
        (ctx) => ({
          kind: 'run',
          argv: ['readlink', '/proc/self/ns/uts', `/proc/${ctx.proc('box').pid}/ns/uts`, `/proc/${ctx.proc('sibling').pid}/ns/uts`],
        }),
      ],
      checks: [
        {
          id: 'three-namespaces',
          title: {
            en: 'the host, box-a and box-b are in three different UTS namespaces',
            zh: '宿主机、box-a 和 box-b 分别在三个不同的 UTS 命名空间里',
          },
          verify: (ctx) => {
            const inodes = [nsInode('self', 'uts'), nsInode(ctx.proc('box').pid, 'uts'), nsInode(ctx.proc('sibling').pid, 'uts')];
            const distinct = new Set(inodes.filter((inode) => inode !== undefined)).size;
            return { ok: distinct === 3, found: `host uts:[${inodes[0]}], box uts:[${inodes[1]}], sibling uts:[${inodes[2]}]` };
          },
        },
        {
          id: 'own-names',
          title: {
            en: `each namespace keeps its own hostname: ${NAME_A}, ${NAME_B}, and the host's`,
            zh: `每个命名空间各自保留自己的主机名：${NAME_A}、${NAME_B}，以及宿主机自己的`,
          },
          verify: async (ctx) => {
            const a = await nameInside(ctx, 'box', 'hostname');
            const b = await nameInside(ctx, 'sibling', 'hostname');
            const host = readUtsName('hostname') ?? '?';
            return {
              ok: a === NAME_A && b === NAME_B && host !== NAME_A && host !== NAME_B,
              found: { en: `box: ${a}; sibling: ${b}; host: ${host}`, zh: `box：${a}；sibling：${b}；宿主机：${host}` },
            };
          },
        },
      ],
    },
    {
      id: 'name-it',
      kind: 'task',
      shell: 'lab',
      solution: [(ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['hostname', 'web-1']) })],
      checks: [
        {
          id: 'named',
          title: {
            en: `the lab's UTS namespace has a hostname of your choice: neither ${NAME_A} nor the host's`,
            zh: `实验的 UTS 命名空间有了你起的主机名：既不是 ${NAME_A}，也不是宿主机的`,
          },
          verify: async (ctx) => {
            const lab = await nameInside(ctx, 'box', 'hostname');
            const host = readUtsName('hostname') ?? '?';
            return {
              ok: lab !== '' && !lab.startsWith('(exit') && lab !== NAME_A && lab !== host,
              found: { en: `inside: ${lab}; host: ${host}`, zh: `命名空间内：${lab}；宿主机：${host}` },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
