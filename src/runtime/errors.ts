// The errors of `lab container` itself, Docker's way: `run` and `exec` exit 125 (126 and 127 belong to the
// command), the other subcommands 1, each with what it means and what to do, in both languages.
import { LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';
import { EXIT_LAB_ERROR } from '../kernel/exit-code.js';

/** An error of `lab container run` or `exec`: exit 125. */
export function runError(operation: string, code: string, meaning: Text, fix: Text = SEE_HELP): LabError {
  return new LabError({ operation, code, meaning, fix, exitCode: EXIT_LAB_ERROR });
}

/** An error of another `lab container` subcommand: exit 1, as Docker's. */
export function commandError(operation: string, code: string, meaning: Text, fix: Text = SEE_PS): LabError {
  return new LabError({ operation, code, meaning, fix, exitCode: 1 });
}

/** No container of that name or id. */
export function noSuchContainer(operation: string, nameOrId: string, exitCode = 1): LabError {
  return new LabError({
    operation,
    code: 'no-such-container',
    meaning: { en: `No such container: ${nameOrId}`, zh: `没有这个容器：${nameOrId}` },
    fix: SEE_PS,
    exitCode,
  });
}

/** A name another container has. */
export function nameInUse(name: string, id: string): LabError {
  return runError(
    'lab container run',
    'name-in-use',
    {
      en: `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
      zh: `冲突：容器名称 "/${name}" 已被容器 "${id}" 使用。要重用这个名称，必须先移除（或重命名）那个容器。`,
    },
    { en: `Run \`lab container rm -f ${name}\`, or choose another --name.`, zh: `运行 \`lab container rm -f ${name}\`，或者换一个 --name。` },
  );
}

const SEE_HELP: Text = { en: 'See `lab container --help`.', zh: '参见 `lab container --help`。' };
const SEE_PS: Text = { en: 'See `lab container ps -a` for the containers there are.', zh: '用 `lab container ps -a` 查看已有的容器。' };
