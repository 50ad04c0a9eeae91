// The command line of a bench script, read with node's own parser (util.parseArgs): `--help` or `-h` prints the
// script's usage and exits 0; an unknown option, an option without its value, or a word where the script takes
// none prints what was wrong and the usage on stderr and exits 2.
import { parseArgs } from 'node:util';

/**
 * The options and words after `node scripts/<name>.mjs`, as `parseArgs(config)` returns them.
 * @template {{ options: import('node:util').ParseArgsConfig['options'] & {}, allowPositionals?: boolean }} C
 * @param {string} name  what the script's messages start with, e.g. `bench-vm`
 * @param {string} usage  its usage line(s), printed for `--help` and after a wrong argument
 * @param {C} config  its options (`--name value` or `--name=value`) and whether words may follow (lab ids)
 */
export function readArgs(name, usage, config) {
  const argv = process.argv.slice(2);
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  if (options.includes('--help') || options.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (err) {
    if (!(err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS_'))) throw err;
    console.error(`${name}: ${err.message}\n${usage}`);
    process.exit(2);
  }
}
