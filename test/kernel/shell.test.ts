import t from 'tap';
import { quoteWord, renderCommand } from '../../src/kernel/shell.js';

t.test('commands are shown as a shell would need them typed', async (t) => {
  t.equal(quoteWord('plain-word_1.2/x'), 'plain-word_1.2/x');
  t.equal(quoteWord(''), "''");
  t.equal(quoteWord("it's"), `'it'\\''s'`);
  t.equal(renderCommand(['sh', '-c', 'ps -e | wc -l']), "sh -c 'ps -e | wc -l'");
  t.equal(renderCommand(['sleep', '9'], true), 'sleep 9 &');
});
