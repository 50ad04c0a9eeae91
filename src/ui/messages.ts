// The reporters' words, in both languages.
import type { Text } from '../lab/spec.js';

export const MSG = {
  step: { en: 'Step', zh: '步骤' },
  yourTurn: { en: 'Your turn', zh: '动手任务' },
  found: { en: 'found', zh: '实际读到' },
  expectedFail: { en: 'failed, as expected', zh: '按预期失败' },
  exitStatus: { en: 'exit status', zh: '退出状态' },
  solution: { en: 'Applying the reference solution:', zh: '应用参考答案：' },
  cleanup: { en: 'Cleanup', zh: '清理' },
  removed: { en: 'removed', zh: '已移除' },
  notRemoved: { en: 'could NOT remove', zh: '无法移除' },
  resultPassed: { en: 'Lab passed: {checks} checks in {steps} steps, all read from the kernel.', zh: '实验通过：{steps} 个步骤中的 {checks} 项检查全部通过，全部读取自内核。' },
  resultFailed: { en: 'Lab failed at step "{step}": {failed} check(s) failed.', zh: '实验在步骤「{step}」失败：{failed} 项检查未通过。' },
  resultError: { en: 'Lab stopped at step "{step}" by the error above.', zh: '实验在步骤「{step}」因上面的错误而停止。' },
  resultQuit: { en: 'Lab stopped after {steps} of {total} steps; everything it created was removed.', zh: '实验在完成 {total} 步中的 {steps} 步后停止；它创建的一切都已移除。' },
  taskShell: { en: 'Shell for this task:', zh: '做这个任务用的 shell：' },
  taskAnotherTerminal: { en: 'or, in another terminal:', zh: '或者在另一个终端里运行：' },
  taskHostTerminal: { en: 'or use any other terminal on this host.', zh: '或者使用这台宿主机上的任何其他终端。' },
  taskKeys: { en: '[Enter] open the shell (leave it with `exit`)  [c] check  [h] hint  [q] quit  (a letter, then Enter)', zh: '[回车] 打开 shell（用 `exit` 离开）  [c] 检查  [h] 提示  [q] 退出（输入字母后按回车）' },
  nextKeys: { en: '[Enter] next step  [q] quit', zh: '[回车] 下一步  [q] 退出' },
  notYet: { en: 'Not yet. Try again, or press h for a hint.', zh: '还没有完成。再试一次，或按 h 查看提示。' },
  noMoreHints: { en: 'No more hints; the reference solution is `lab verify {id}`.', zh: '没有更多提示了；参考答案见 `lab verify {id}`。' },
  hint: { en: 'Hint', zh: '提示' },
} satisfies Record<string, Text>;
