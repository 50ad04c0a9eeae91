// Renders an argv as the shell command a learner could type to do the same.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one word for a POSIX shell, only when it needs it. */
export function quoteWord(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The shell command for an argv; `background` appends ` &` as for a process left running. */
export function renderCommand(argv: readonly string[], background = false): string {
  const text = argv.map(quoteWord).join(' ');
  return background ? `${text} &` : text;
}
