// `lab new <id>`: for lab authors, not learners. Writes labs/<id>/lab.ts, en.md and zh.md: a commented skeleton that
// validates and whose one check fails until the author writes its step (src/cli/new-skeleton.ts). Never writes over
// anything: an id that exists, or that is not kebab-case, is refused with what to do instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { errnoOf, explainSystemError, LabError } from '../common/errors.js';
import type { Lang } from '../common/vocabulary.js';
import { isPlainLabName, labsDir, listLabIds } from '../lab/paths.js';
import { parse, usage } from './args.js';
import { findCommand, usageLine } from './commands.js';
import { skeleton } from './new-skeleton.js';

const entry = findCommand('new')!;

/** `lab new --help`: its usage line from the table of commands, then what it does. */
export const help: Record<Lang, string> = {
  en: `${usageLine(entry, 'en')}

For lab authors. Writes a new lab to start from: labs/<id>/lab.ts (the spec, every field explained in a comment,
with one demo step and one check that reads a kernel fact), en.md and zh.md (its prose). It validates as it is,
and its check fails until you write the step: \`sudo lab verify <id>\` exits 1 until then. CONTRIBUTING.md says
how a lab is written and tested.

  --dir DIR   write DIR/<id>/ instead of the project's labs/<id>/ (for tests; the imports in lab.ts assume DIR
              lies beside the project's src/, as labs/ does)

The id is kebab-case (lower-case words joined by dashes, like overlay-layers). An id that exists is refused:
lab new never writes over a lab.`,
  zh: `${usageLine(entry, 'zh')}

供实验作者使用。写出一个新实验作为起点：labs/<id>/lab.ts（实验定义，每个字段都有注释说明，含一个演示步骤和一项读取
内核事实的检查）、en.md 和 zh.md（讲解文字）。写出的实验能通过校验，而它的检查在你写好这一步之前一直失败：
在那之前 \`sudo lab verify <id>\` 的退出状态为 1。怎样编写和测试实验，见 CONTRIBUTING.md。

  --dir DIR   写到 DIR/<id>/，而不是项目的 labs/<id>/（供测试使用；lab.ts 中的 import 假定 DIR 与项目的 src/
              位于同一目录下，就像 labs/ 一样）

id 使用 kebab-case（由连字符连接的小写单词，例如 overlay-layers）。已经存在的 id 会被拒绝：lab new 从不覆盖已有的实验。`,
};

/** Refuse an id that could not name a lab: what is wrong, and what to type instead. */
function badId(id: string): LabError {
  return new LabError({
    operation: `lab new ${JSON.stringify(id)}`,
    code: 'not-kebab-case',
    meaning: {
      en: 'Not a lab id: an id is lower-case words (letters, digits) joined by single dashes, at most 64 characters. It names the directory and starts the names of what the lab makes.',
      zh: '这不是实验 id：id 由小写单词（字母、数字）和单个连字符组成，最长 64 个字符。它是实验目录的名字，也是实验所建资源名字的开头。',
    },
    fix: { en: 'Choose an id such as `overlay-layers`: `lab new overlay-layers`.', zh: '换一个这样的 id，例如 `overlay-layers`：`lab new overlay-layers`。' },
    exitCode: 2,
  });
}

/** Refuse to write over a lab (or anything) that is there. */
function exists(id: string, path: string): LabError {
  return new LabError({
    operation: `lab new ${id}`,
    code: 'exists',
    meaning: {
      en: `${path} exists already, and lab new never writes over a lab.`,
      zh: `${path} 已经存在，lab new 从不覆盖已有的实验。`,
    },
    fix: {
      en: `Choose another id, or edit the lab in ${path}.`,
      zh: `换一个 id，或者直接编辑 ${path} 中的实验。`,
    },
  });
}

/** A path as the author would type it: relative to the working directory when it lies below it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Run `lab new`. */
export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('new', args, { dir: { type: 'string' } });
  const [id, ...extra] = positionals;
  if (id === undefined) {
    throw usage('lab new', { en: 'Name the new lab: `lab new <id>`.', zh: '请给新实验起一个 id：`lab new <id>`。' });
  }
  if (extra.length > 0) {
    throw usage(`lab new ${positionals.join(' ')}`, { en: 'lab new takes one id.', zh: 'lab new 只接受一个 id。' });
  }
  if (!isPlainLabName(id)) throw badId(id);
  const dir = values.dir === undefined ? labsDir() : resolve(values.dir);
  const labDir = join(dir, id);
  const order = listLabIds(dir).length + 1;
  try {
    mkdirSync(dir, { recursive: true });
    // Not recursive: the directory is made here or the id is taken, in one system call.
    mkdirSync(labDir);
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') throw exists(id, shown(labDir));
    throw explainSystemError(`mkdir \`${labDir}\``, error);
  }
  const files = skeleton(id, order);
  for (const [name, text] of Object.entries(files)) {
    const path = join(labDir, name);
    try {
      writeFileSync(path, text, { flag: 'wx' });
    } catch (error) {
      throw explainSystemError(`write \`${path}\``, error);
    }
    process.stdout.write(`${lang === 'zh' ? '已写出' : 'Created'} ${shown(path)}\n`);
  }
  const at = shown(labDir);
  process.stdout.write(
    lang === 'zh'
      ? `
接下来：
  1. 写好这一步：${at}/lab.ts 中的 TODO，以及 en.md 和 zh.md 中的讲解
  2. npm run build
  3. sudo lab verify ${id} --prove-checks   （在写好这一步之前会失败：检查必须在步骤之前失败、之后通过）
  4. 测试：test/labs/${id}.test.ts（需要 cgroup v2 控制器的实验放在 test/vm/），见 CONTRIBUTING.md
`
      : `
Next:
  1. write the step: the TODO in ${at}/lab.ts, and the prose in en.md and zh.md
  2. npm run build
  3. sudo lab verify ${id} --prove-checks   (fails until the step is written: a check must fail before its step and pass after it)
  4. tests: test/labs/${id}.test.ts (test/vm/ for a lab that needs cgroup v2 controllers), see CONTRIBUTING.md
`,
  );
  return 0;
}
