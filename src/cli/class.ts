// `lab class serve|join|leave|status`: the live class view for workshops. The instructor serves (src/class/server.ts)
// and shows the join line; each learner joins once, and from then on every `lab run` reports its progress
// (src/class/report.ts) until `lab class leave`.
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../common/errors.js';
import type { Lang } from '../common/vocabulary.js';
import { flushQueue, joinClass, leaveClass, readMembership, readQueue } from '../class/member.js';
import { classInfo, newClassCode, openClassServer } from '../class/server.js';
import { ensureStateDir } from '../host/state-dir.js';
import { parse, usage } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab class <serve|join|leave|status> [args...] [--lang en|zh]

A live view of a workshop: who is on which lab and step, who passed, who failed, who is stuck.

  lab class serve [--port 8080] [--host 127.0.0.1|0.0.0.0] [--title "..."] [--dir DIR]
      On the instructor's machine: serve the class and print the join line (with the class code), the
      instructor's page and its token. --host 0.0.0.0 lets the room's machines reach it (the default,
      127.0.0.1, only this one). Events are kept in DIR (default <state dir>/class/<code>/); serve the
      same --dir again after a restart and nothing is lost. Ctrl-C stops it.
  lab class join <url> --name <learner> --code <code>
      On a learner's machine: join the class. From then on every \`lab run\` sends its progress (labs,
      steps, checks passed or failed; never commands, their output or file contents). When the server
      cannot be reached, events wait on disk and are sent later.
  lab class leave
      Stop reporting; what is still queued is sent first if the server answers.
  lab class status
      The class this machine joined and the events still queued; sends them if it can.`,
  zh: `用法：lab class <serve|join|leave|status> [args...] [--lang en|zh]

工作坊的实时课堂视图：谁在做哪个实验的哪一步，谁通过了，谁失败了，谁卡住了。

  lab class serve [--port 8080] [--host 127.0.0.1|0.0.0.0] [--title "..."] [--dir DIR]
      在讲师的机器上：启动课堂服务，打印加入命令（含课堂码）、讲师页面及其令牌（token）。
      --host 0.0.0.0 让教室里的机器都能访问（默认 127.0.0.1 只有本机能访问）。事件保存在 DIR
      （默认 <状态目录>/class/<课堂码>/）；重启后用同一个 --dir 再次启动，什么都不会丢。按 Ctrl-C 停止。
  lab class join <url> --name <学员名> --code <课堂码>
      在学员的机器上：加入课堂。此后每次 \`lab run\` 都会发送进度（实验、步骤、检查通过或失败；
      从不发送命令、命令输出或文件内容）。连不上服务器时，事件先存在磁盘上，之后再发送。
  lab class leave
      停止报告；如果服务器有响应，先把还在排队的事件发出去。
  lab class status
      本机加入的课堂和仍在排队的事件；能发送时就发送。`,
};

/** Run `lab class <subcommand>`. */
export async function run(args: string[], lang: Lang): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'serve':
      return serve(rest, lang);
    case 'join':
      return joinCommand(rest, lang);
    case 'leave':
      return leave(rest, lang);
    case 'status':
      return status(rest, lang);
    default:
      throw usage('lab class', {
        en: `${sub === undefined ? 'Name a subcommand' : `Unknown subcommand ${JSON.stringify(sub)}`}: serve, join, leave or status.`,
        zh: `${sub === undefined ? '请指定子命令' : `未知的子命令 ${JSON.stringify(sub)}`}：serve、join、leave 或 status。`,
      });
  }
}

async function serve(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('class serve', args, {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    title: { type: 'string' },
    dir: { type: 'string' },
  });
  if (positionals.length) throw usage('lab class serve', { en: 'serve takes no arguments, only options.', zh: 'serve 不接受参数，只接受选项。' });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usage(`lab class serve --port ${values.port}`, { en: 'The port is a number from 0 to 65535.', zh: '端口是 0 到 65535 之间的数字。' });
  let dir = values.dir;
  let code: string | undefined;
  if (!dir) {
    code = newClassCode();
    dir = join(ensureStateDir(), 'class', code);
  }
  classInfo(dir, values.title, code);
  const cls = openClassServer({ dir, ...(values.title ? { title: values.title } : {}) });
  try {
    await new Promise<void>((resolve, reject) => {
      cls.server.once('error', reject);
      cls.server.listen(port, values.host, () => resolve());
    });
  } catch (cause) {
    await cls.close().catch(() => undefined);
    const busy = (cause as { code?: string }).code === 'EADDRINUSE';
    throw new LabError({
      operation: `listen ${values.host}:${port}`,
      code: (cause as { code?: string }).code ?? 'listen-failed',
      meaning: busy
        ? { en: 'Another program already listens on this port.', zh: '已有别的程序在监听这个端口。' }
        : { en: 'The server could not listen on this address.', zh: '服务器无法在这个地址上监听。' },
      fix: { en: 'Choose another port with --port, or another address with --host.', zh: '用 --port 换一个端口，或用 --host 换一个地址。' },
      cause,
    });
  }
  const address = cls.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const { info } = cls;
  const hosts = values.host === '0.0.0.0' || values.host === '::' ? roomAddresses() : [values.host];
  const zh = lang === 'zh';
  const out: string[] = [
    zh ? `课堂“${info.title}”已开放。课堂码：${info.code}` : `Class "${info.title}" is open. Class code: ${info.code}`,
    zh ? '学员用这条命令加入（放在幻灯片上）：' : 'Learners join with (put it on a slide):',
    ...hosts.map((h) => `  lab class join http://${h}:${actual} --name <name> --code ${info.code}`),
    ...(values.host === '127.0.0.1' || values.host === 'localhost'
      ? [zh ? '  （只有本机能访问；要让教室里的机器加入，请用 --host 0.0.0.0）' : '  (only this machine can reach it; for the room, serve with --host 0.0.0.0)']
      : []),
    zh ? '讲师页面（令牌只给自己）：' : "Instructor's page (keep the token to yourself):",
    `  http://127.0.0.1:${actual}/?token=${info.token}${zh ? '&lang=zh' : ''}`,
    zh ? `讲师令牌：${info.token}` : `Instructor token: ${info.token}`,
    zh
      ? `数据：${dir}（重启时不丢任何东西：lab class serve --dir ${dir} --port ${actual}）`
      : `Data: ${dir} (to restart losing nothing: lab class serve --dir ${dir} --port ${actual})`,
    zh ? '按 Ctrl-C 停止。' : 'Ctrl-C stops it.',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cls.close();
  return 0;
}

/** This machine's IPv4 addresses other than loopback: what learners in the room type. */
function roomAddresses(): string[] {
  const found = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  return found.length ? found : ['<this-machine>'];
}

async function joinCommand(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('class join', args, { name: { type: 'string' }, code: { type: 'string' } });
  const [url] = positionals;
  if (!url || !values.name || !values.code || positionals.length > 1)
    throw usage('lab class join', {
      en: 'Give the URL, your name and the class code: lab class join <url> --name <learner> --code <code>.',
      zh: '请给出地址、你的名字和课堂码：lab class join <url> --name <学员名> --code <课堂码>。',
    });
  const m = await joinClass(url, values.code, values.name);
  process.stdout.write(
    lang === 'zh'
      ? `已以“${m.name}”的身份加入课堂 ${m.code}（${m.url}）。此后每次 \`lab run\` 都会报告进度；\`lab class leave\` 停止。\n`
      : `Joined class ${m.code} at ${m.url} as "${m.name}". Every \`lab run\` now reports its progress; \`lab class leave\` stops it.\n`,
  );
  return 0;
}

async function leave(args: string[], lang: Lang): Promise<number> {
  parse('class leave', args, {}, { maxArgs: 0 });
  const zh = lang === 'zh';
  if (!readMembership()) {
    process.stdout.write(zh ? '本机没有加入任何课堂。\n' : 'This machine is not in a class.\n');
    return 0;
  }
  const flushed = await flushQueue(2000);
  const m = leaveClass()!;
  const lost = flushed.left ? (zh ? `；${flushed.left} 个未送达的事件已丢弃` : `; ${flushed.left} undelivered event(s) dropped`) : '';
  process.stdout.write(zh ? `已离开课堂 ${m.code}（${m.url}）${lost}。\n` : `Left class ${m.code} at ${m.url}${lost}.\n`);
  return 0;
}

async function status(args: string[], lang: Lang): Promise<number> {
  parse('class status', args, {}, { maxArgs: 0 });
  const zh = lang === 'zh';
  const m = readMembership();
  if (!m) {
    process.stdout.write(
      zh
        ? '本机没有加入任何课堂（lab class join <url> --name <学员名> --code <课堂码>）。\n'
        : 'This machine is not in a class (lab class join <url> --name <learner> --code <code>).\n',
    );
    return 0;
  }
  const queued = readQueue().filter((e) => e.seq > m.acked).length;
  const r = queued ? await flushQueue(3000) : { sent: 0, left: 0, problem: undefined };
  const lines = [
    zh ? `课堂 ${m.code}，地址 ${m.url}，学员名“${m.name}”` : `Class ${m.code} at ${m.url}, as "${m.name}"`,
    zh
      ? `已确认的事件：${readMembership()?.acked ?? m.acked}；刚发送：${r.sent}；仍在排队：${r.left}`
      : `Events acknowledged: ${readMembership()?.acked ?? m.acked}; sent now: ${r.sent}; still queued: ${r.left}`,
    ...(r.problem ? [zh ? `未能发送：${r.problem}` : `Could not send: ${r.problem}`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
