// The Chinese terms every lab uses for the same ideas, and the first-use rule: the first time a term appears in a
// lab's Chinese prose, the English word follows it in parentheses, 容器（container）, since learners search for both.
// Pure: the prose test of every lab uses it, and so can a lab author's check.

/** A Chinese term, the English word that must follow its first use, and the wordings that must not be used for it. */
export interface Term {
  zh: string;
  /** Matched case-insensitively inside the parentheses after the first use. */
  en: string;
  /** Other translations of the same idea, refused so that a learner meets one word for one thing. */
  not?: string[];
}

/** The terms the first-use rule applies to (the whole list, with terms no lab uses yet, is the project's glossary). */
export const TERMS: readonly Term[] = [
  { zh: '容器', en: 'container' },
  { zh: '内核', en: 'kernel' },
  { zh: '宿主机', en: 'host', not: ['主机端'] },
  { zh: '命名空间', en: 'namespace', not: ['名字空间'] },
  { zh: '控制组', en: 'cgroup' },
  { zh: '镜像层', en: 'layer' },
  { zh: '虚拟机', en: 'VM' },
  { zh: '孤儿进程', en: 'orphan' },
  { zh: '僵尸进程', en: 'zombie' },
  { zh: '挂载传播', en: 'propagation' },
  { zh: '绑定挂载', en: 'bind mount' },
  { zh: '回环接口', en: 'loopback' },
  { zh: '网桥', en: 'bridge' },
  { zh: '委派', en: 'delegation' },
  { zh: '压力停滞信息', en: 'PSI', not: ['压力阻塞信息'] },
  { zh: '限流', en: 'throttling' },
  { zh: '根文件系统', en: 'rootfs' },
  { zh: '写时复制', en: 'copy-on-write' },
  { zh: '叠加文件系统', en: 'overlay' },
  { zh: '端口映射', en: 'port mapping' },
  { zh: '网络地址转换', en: 'NAT' },
  { zh: '存储卷', en: 'volume' },
];

/** Full-width parentheses, or ASCII ones, right after a term, and what is inside. */
const PARENTHESES = /^\s?[（(]([^）)]*)[）)]/;

/**
 * Every breach of the first-use rule in a lab's Chinese prose (its zh.md text): a term whose first appearance in the
 * text is not followed by the English word in parentheses, and any wording the glossary refuses. The title and the
 * one-line summary (what `lab list` shows, kept short) come before the rule: it starts on the line after them.
 */
export function firstUseProblems(zhText: string, terms: readonly Term[] = TERMS): string[] {
  const lines = zhText.split('\n');
  const titleAt = lines.findIndex((line) => line.startsWith('# '));
  const oneLineAt = lines.findIndex((line, i) => i > titleAt && line.trim() !== '');
  const skipped = Math.max(titleAt, oneLineAt) + 1;
  const body = lines.slice(skipped).join('\n');
  const problems: string[] = [];
  for (const term of terms) {
    const at = body.indexOf(term.zh);
    if (at >= 0) {
      const inside = PARENTHESES.exec(body.slice(at + term.zh.length))?.[1];
      if (!inside?.toLowerCase().includes(term.en.toLowerCase())) {
        const line = body.slice(0, at).split('\n').length + skipped;
        const context = body.slice(Math.max(0, at - 12), at + term.zh.length + 12).replace(/\n/g, ' ');
        problems.push(`line ${line}: the first "${term.zh}" needs "（${term.en}）" after it: …${context}…`);
      }
    }
    for (const wrong of term.not ?? []) {
      if (body.includes(wrong)) problems.push(`"${wrong}" is not the glossary's word: write "${term.zh}"`);
    }
  }
  for (const m of body.matchAll(/（[^（）\n]*）（[^（）\n]*）/g)) problems.push(`two parentheses in a row: ${m[0]}`);
  return problems;
}
