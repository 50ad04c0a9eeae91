// The three files `lab new <id>` writes: a lab whose every field is explained in a comment, one demo step with one
// action and one check that reads a kernel fact, and its prose in English and Chinese. It validates as it is (spec,
// prose, prose parity, the glossary's first-use rule), and its check fails until the author writes the step: the
// step's only action is `true`, a TODO that does nothing. test/cli/new.test.ts proves both, and that the suggested
// step makes it pass.

/** What a new lab's files hold, by file name. */
export type Skeleton = Record<'lab.ts' | 'en.md' | 'zh.md', string>;

/** The step's action until the author writes it, and the one this skeleton's check asks for (test/cli/new.test.ts). */
export const TODO_ACTION = "actions: [run(['true'])],";

/** The files of a new lab `id`, placed `order` in `lab list`. */
export function skeleton(id: string, order: number): Skeleton {
  return { 'lab.ts': labTs(id, order), 'en.md': EN, 'zh.md': ZH };
}

function labTs(id: string, order: number): string {
  return `// The ${id} lab: TODO: in one sentence, what the learner sees and proves here.
//
// Written by \`lab new ${id}\` as a place to start. A lab is data: this file declares its steps, what lab runs in
// each (shown to the learner exactly as it runs) and the checks that prove the outcome by reading the kernel. Its
// prose is beside it: en.md and zh.md, each a "# <title>", a summary whose first line \`lab list\` shows, and for
// every step a "## <step id>: <title>" section with the explanation and a "### Hints" ("### 提示") list.
// src/lab/spec.ts documents every field; CONTRIBUTING.md says how a lab is written, tested and reviewed.
//
// As written, the step does nothing and its check fails: \`sudo lab verify ${id}\` exits 1. That is on purpose: a
// check must fail before its step and pass after it. Write the step (the TODO below), run \`npm run build\`, then
// \`sudo lab verify ${id} --prove-checks\` proves both.
import { nsInode } from '../../src/kernel/proc.js';
import { run } from '../../src/lab/build.js';
import type { LabSpec } from '../../src/lab/spec.js';

/** The lab's process: the step starts it in namespaces of its own, the check reads them, \`lab shell\` enters them. */
const BOX = 'box';

export default {
  // The version of this format (LAB_FORMAT in src/lab/spec.ts); the loader refuses any other.
  format: 1,
  // kebab-case, the name of this directory; every name the lab gives a host resource starts with \`lab-\`.
  id: '${id}',
  // The lab's place in \`lab list\` (and in the README's table of labs).
  order: ${order},
  // What the host must offer: RequirementId in src/lab/spec.ts, each explained (what, why, fix) in
  // src/lab/requirements.ts. When one is missing the lab stops before its first step and says how to get it, and
  // \`lab verify\` skips it with the reason. A cgroup2-<controller> requirement also sends the lab's tests to the
  // cgroup v2 test VM (CONTRIBUTING.md says why).
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'ns-uts'],
  // The shell \`lab shell ${id}\` and task steps open: nsenter into these namespaces of the process named \`target\`.
  // \`enter(argv)\` runs a command in the same place.
  shell: { target: BOX, namespaces: ['uts'] },
  steps: [
    {
      // kebab-case, unique in the lab; en.md and zh.md each have a "## create: <title>" section for it.
      id: 'create',
      // 'demo': lab runs \`actions\` while the learner watches. 'task': the learner acts, in a shell inside the
      // lab's namespaces (\`shell: 'lab'\`) or on the host (\`shell: 'host'\`), and \`solution\` holds the actions
      // \`lab verify\` runs in the learner's place.
      kind: 'demo',
      // What lab runs, in order; a command that exits other than expected stops the lab with an error (\`expect:
      // 'fail'\` where failing is the lesson). The builders of src/lab/build.ts:
      //   run(argv)                  a command run to completion, with its output: run(['hostname'])
      //   start(name, argv)          a long-lived process, known to later actions and checks by its name
      //   init(name, { namespaces }) a namespace's first process (unshare, then sleep infinity), killed if lab dies
      //   enter(argv)                a command inside the lab's namespaces (the \`shell\` above), through nsenter
      //   write(path, value)         one write(2) to a kernel file, shown as \`echo VALUE > FILE\`
      //   pid(name), proc(name, f)   words known only when the action runs: a PID, /proc/<PID>/<f>
      // Whatever an action makes on the host, outside the lab's namespaces, is named lab-... and declared, so that it
      // is journaled before it is made and removed at the end, after a crash too (\`lab clean\`):
      //   run(['ip', 'link', 'add', 'lab-veth0', ...], { creates: { kind: 'link', name: 'lab-veth0' } })
      //
      // TODO: write the step. \`true\` does nothing, so the check below fails, as it must until the step is written.
      // For this check the step would be (with \`init\` imported from '../../src/lab/build.js'):
      //   actions: [init(BOX, { namespaces: ['uts'], fork: true })],
      // \`box\` then runs \`sleep infinity\` in a UTS namespace of its own; with \`fork: true\` lab waits until it
      // does, so the namespace exists when the check reads it.
      ${TODO_ACTION}
      checks: [
        {
          // kebab-case, unique in the step.
          id: 'own-uts',
          // What must be true after the step, as the learner reads it.
          title: { en: 'box has a UTS namespace of its own', zh: 'box 有自己的 UTS 命名空间' },
          // Reads the kernel and decides, never the output of a command lab ran; \`found\` says what it read (a Text
          // { en, zh } when it has words to translate). Here: the inode of box's UTS namespace, /proc/<PID>/ns/uts,
          // against lab's own, the host's. Until an action starts \`box\`, ctx.proc(BOX) throws, and the check fails
          // with that reason.
          verify: (ctx) => {
            const host = nsInode('self', 'uts');
            const box = nsInode(ctx.proc(BOX).pid, 'uts');
            return { ok: box !== undefined && box !== host, found: \`host uts:[\${host}], box uts:[\${box}]\` };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
`;
}

const EN = `# TODO: the lab's title, what it shows in a few words

TODO: one line for \`lab list\`: what the learner will see for themselves.
Then what the learner does in this lab, which kernel facts prove it, and which container feature it explains (what
\`docker run\` does with it).

## create: TODO: the step's title

TODO: explain the step: what lab runs and why, what that changed in the kernel, and what the check reads to prove
it. The learner sees every command exactly as it runs: quote commands as inline code (\`unshare --uts\`) and put
what the learner types in a code block. zh.md must quote the same commands and have as many hints; in Chinese, a
glossary term is followed by its English word in parentheses the first time it appears (src/lab/glossary.ts).

### Hints
- TODO: a hint, e.g. compare \`readlink /proc/self/ns/uts\` with \`readlink /proc/<PID>/ns/uts\`.
`;

const ZH = `# TODO：实验的标题，用几个词说明它展示什么

TODO：给 \`lab list\` 的一行简介：学习者将亲眼看到什么。
然后说明学习者在这个实验里做什么、哪些内核（kernel）事实证明了结果，以及它讲解的是容器（container）的哪项功能
（\`docker run\` 用它做了什么）。

## create: TODO：这一步的标题

TODO：讲解这一步：lab 运行了什么、为什么，它在内核里改变了什么，检查读取什么来证明这一点。学习者会看到每条命令实际运行的样子：
命令写成行内代码（\`unshare --uts\`），学习者要输入的内容放进代码块。en.md 必须引用同样的命令、有同样多的提示；
中文里的术语第一次出现时，后面用括号写上英文（见 src/lab/glossary.ts），例如命名空间（namespace）、宿主机（host）。

### 提示
- TODO：一条提示，例如比较 \`readlink /proc/self/ns/uts\` 和 \`readlink /proc/<PID>/ns/uts\`。
`;
