// `lab doctor`: what this host offers (root, kernel, namespaces unshare can really create, cgroup layout,
// overlayfs, tools) and whether each lab can run here. Exit status 0 when every lab can, 1 otherwise.
import { diagnose, onlyOptional, type Finding, type HostFacts, type Section, type Status } from '../lab/diagnosis.js';
import type { Lang, Text } from '../lab/spec.js';
import { parse, usage } from './args.js';

export const help: Record<Lang, string> = {
  en: `lab doctor: what this host offers and what each lab needs

Usage: lab doctor [--json]

Checks root, the kernel and util-linux versions, which namespace types \`unshare\` can really create (it creates
one of each and runs \`true\` in it), the cgroup layout and the controllers of the cgroup v2 hierarchy, overlayfs,
busybox, qemu and /dev/kvm, and every lab's requirements. For each missing item it says why a lab needs it and
how to get it. It changes nothing on the host.

Options:
  --json    one JSON object on stdout: the facts, the findings in your language, the labs

Exit status: 0 when every lab can run on this host, 1 otherwise. Items no lab needs yet are reported but do not
change it.`,
  zh: `lab doctor：这台宿主机具备什么，每个实验需要什么

用法：lab doctor [--json]

检查是否为 root、内核和 util-linux 的版本、\`unshare\` 实际能创建哪些命名空间（namespace）（每种都真的创建一个并在
其中运行 \`true\`）、控制组（cgroup）的挂载方式和 cgroup v2 层级中的控制器、叠加文件系统（overlayfs）、busybox、
qemu 和 /dev/kvm，以及每个实验（lab）的要求。对每个缺少的项目，说明实验为什么需要它、怎样获得它。不会改动宿主机上的任何东西。

选项：
  --json    在标准输出打印一个 JSON 对象：检测到的事实、用你的语言写的结论、各个实验

退出状态：所有实验都能在这台宿主机上运行时为 0，否则为 1。目前没有实验需要的项目只报告，不影响退出状态。`,
};

const t = (en: string, zh: string): Text => ({ en, zh });

const HEADER = t(
  'lab doctor: what this host offers and what each lab needs',
  'lab doctor：这台宿主机具备什么，每个实验需要什么——命名空间（namespace）、控制组（cgroup）、叠加文件系统（overlayfs）',
);

const HEADINGS: Record<Section, Text> = {
  host: t('Host', '宿主机'),
  namespaces: t('Namespaces (each created for real with unshare)', '命名空间（每种都用 unshare 实际创建一次）'),
  cgroup: t('Control groups (cgroup)', '控制组（cgroup）'),
  tools: t('Filesystems and tools', '文件系统与工具'),
  requirements: t('What the labs declare they need', '实验声明的要求'),
  labs: t('Labs', '实验'),
};

const MARK: Record<Status, string> = { ok: '✓', missing: '✗', info: '–' };
const LABEL = { why: t('why', '原因'), fix: t('fix', '解决办法') };

/** `(needed by: a, b)` or `(no lab needs this yet)`, where it helps: on requirements, and on missing items. */
function neededNote(finding: Finding, lang: Lang): string {
  if (finding.section === 'labs' || finding.status === 'info') return '';
  if (finding.section !== 'requirements' && finding.status === 'ok') return '';
  if (finding.neededBy.length === 0) return t(' (no lab needs this yet)', '（目前没有实验需要它）')[lang];
  const labs = finding.neededBy.join(lang === 'zh' ? '、' : ', ');
  return t(` (needed by: ${labs})`, `（需要它的实验：${labs}）`)[lang];
}

function summary(facts: HostFacts, lang: Lang): string {
  const total = facts.labs.length;
  const blocked = facts.labs.filter((lab) => !lab.ready && !onlyOptional(lab)).length;
  const extras = facts.labs.filter(onlyOptional).map((lab) => lab.id);
  if (total === 0) return t('No labs found.', '没有找到任何实验。')[lang];
  const optional = extras.length
    ? t(
        ` ${extras.join(', ')} also needs what is optional (the – items that name it): install it to run that lab too.`,
        `${extras.join('、')} 还需要可选的东西（标明了它的 – 项）：装上之后也能运行。`,
      )[lang]
    : '';
  if (blocked === 0) {
    const ready = total - extras.length;
    return extras.length === 0
      ? t(`All labs (${total}) can run on this host.`, `全部 ${total} 个实验都能在这台宿主机上运行。`)[lang]
      : t(`${ready} of ${total} labs can run on this host.`, `${total} 个实验中有 ${ready} 个能在这台宿主机上运行。`)[lang] + optional;
  }
  return (
    t(
      `${blocked} of ${total} labs cannot run here yet: fix the ✗ items that name a lab.`,
      `${total} 个实验中有 ${blocked} 个还不能在这里运行：请先解决标明了“需要它的实验”的 ✗ 项。`,
    )[lang] + optional
  );
}

/** The report as text, one section after another. */
export function formatReport(facts: HostFacts, findings: Finding[], lang: Lang): string {
  const lines = [HEADER[lang]];
  for (const section of Object.keys(HEADINGS) as Section[]) {
    const items = findings.filter((f) => f.section === section);
    if (items.length === 0) continue;
    lines.push('', HEADINGS[section][lang]);
    for (const finding of items) {
      lines.push(`  ${MARK[finding.status]} ${finding.text[lang]}${neededNote(finding, lang)}`);
      const colon = lang === 'zh' ? '：' : ': ';
      if (finding.why) lines.push(...finding.why[lang].split('\n').map((line, i) => `      ${i === 0 ? LABEL.why[lang] + colon : ''}${line}`));
      if (finding.fix) lines.push(`      ${LABEL.fix[lang]}${colon}${finding.fix[lang]}`);
    }
  }
  lines.push('', summary(facts, lang));
  return lines.join('\n');
}

/** The report as one JSON object: facts as read, findings in the learner's language. */
export function reportJson(ok: boolean, facts: HostFacts, findings: Finding[], lang: Lang): unknown {
  const pick = (text: Text | undefined): string | undefined => text?.[lang];
  return {
    ok,
    lang,
    ...facts,
    cgroup: { ...facts.cgroup, v2Path: facts.cgroup.v2Path ?? null, v2Controllers: facts.cgroup.v2Controllers ?? null },
    utilLinux: facts.utilLinux ?? null,
    busybox: facts.busybox ?? null,
    qemu: facts.qemu ?? null,
    overlayfs: facts.overlayfs ?? null,
    labs: facts.labs.map((lab) => ({ ...lab, error: pick(lab.error) })),
    findings: findings.map((f) => ({ ...f, text: f.text[lang], why: pick(f.why), fix: pick(f.fix) })),
  };
}

/** Run `lab doctor`. */
export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('doctor', args, { json: { type: 'boolean' } });
  if (positionals.length > 0) {
    throw usage(`lab doctor ${positionals.join(' ')}`, { en: 'doctor takes no arguments.', zh: 'doctor 不接受参数。' });
  }
  const { ok, facts, findings } = await diagnose();
  const out = values.json ? JSON.stringify(reportJson(ok, facts, findings, lang), null, 2) : formatReport(facts, findings, lang);
  process.stdout.write(`${out}\n`);
  return ok ? 0 : 1;
}
