// The ID maps of user namespaces: parsing the kernel's padded columns, and translating one ID through a map.
import t from 'tap';
import { formatIdMap, idOutside, isSingleRange, parseIdMap, readIdMap } from '../../src/kernel/id-map.js';

t.test('a map as the kernel prints it: right-aligned columns, one line per range', async (t) => {
  const text = '         0      65534          1\n';
  t.same(parseIdMap(text), [{ inside: 0, outside: 65534, count: 1 }]);
  t.same(parseIdMap('         0     100000      65536\n     65536      1000          1\n'), [
    { inside: 0, outside: 100000, count: 65536 },
    { inside: 65536, outside: 1000, count: 1 },
  ]);
  t.same(parseIdMap(''), [], 'an unwritten map is empty');
  t.same(parseIdMap('garbage\n1 2\n'), [], 'lines that are not three numbers are left out');
});

t.test('an inside ID is found in its range; an ID no range covers has no outside ID', async (t) => {
  const ranges = parseIdMap('0 100000 65536\n');
  t.equal(idOutside(ranges, 0), 100000);
  t.equal(idOutside(ranges, 1000), 101000);
  t.equal(idOutside(ranges, 65535), 165535);
  t.equal(idOutside(ranges, 65536), undefined, 'one past the end');
  t.equal(idOutside([], 0), undefined, 'nothing is mapped in an empty map');
});

t.test('a single range, and how a map is shown', async (t) => {
  const root = parseIdMap('0 65534 1\n');
  t.ok(isSingleRange(root, 0, 65534));
  t.notOk(isSingleRange(root, 1000, 65534));
  t.notOk(isSingleRange(parseIdMap('0 65534 1\n1 100000 10\n'), 0, 65534), 'two ranges are not one');
  t.notOk(isSingleRange(undefined, 0, 65534), 'no map is not a match');
  t.equal(formatIdMap(root), '0 65534 1');
  t.equal(formatIdMap([]), '(empty)');
});

t.test('this process: the initial user namespace maps every ID to itself', async (t) => {
  const map = readIdMap('self', 'uid');
  t.ok(map && map.length > 0);
  t.equal(map && idOutside(map, 0), 0);
  t.equal(readIdMap(2 ** 30, 'uid'), undefined, 'no such process');
});
