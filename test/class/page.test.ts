// The instructor's page in a real headless browser (Debian's chromium, over the DevTools protocol): the table,
// read through the DOM, shows each learner's lab, step and status (passed, failed, stuck), a column per lab in
// catalogue order, the steps most fail on; it follows the class live; a click opens a timeline; it speaks Chinese.
// A screenshot is kept in test-artifacts/class-page.png.
import t from 'tap';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classInfo } from '../../src/class/server.js';
import { ROOT, tempDir } from '../helpers.js';
import { Browser, chromiumPath } from './cdp.js';
import { joinAs, postAll, startServer, wholeLab } from './sim.js';

const chromium = chromiumPath();

t.test('the page, in headless chromium', { skip: chromium ? false : 'chromium is not installed (apt-get install chromium)' }, async (t) => {
  const dir = tempDir('lab-class-');
  const { code, token } = classInfo(dir, 'Workshop test');
  // cara started a lab ten minutes ago and has not moved since: with ?stuck=5 she is stuck.
  const old = Date.now() - 10 * 60_000;
  const cara = wholeLab('uts-namespace', 2)[0]!.concat(wholeLab('uts-namespace', 2)[1]!.slice(0, 2));
  writeFileSync(
    join(dir, 'events.jsonl'),
    [
      { k: 'join', name: 'cara', secret: 'x', at: old },
      { k: 'batch', name: 'cara', rx: old, events: cara },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  const { cls, url } = await startServer({ dir });
  t.teardown(() => cls.close());
  const ada = await joinAs(url, code, 'ada');
  const bob = await joinAs(url, code, 'bob');
  const adaEvents = [...wholeLab('uts-namespace', 2), ...wholeLab('pid-namespace', 3, 4, -1, 24).slice(0, 2)];
  await postAll(url, code, 'ada', ada, adaEvents);
  await postAll(url, code, 'bob', bob, wholeLab('uts-namespace', 2, 5, 1));

  const profile = tempDir('lab-chromium-');
  const browser = await Browser.open(chromium!, profile);
  t.teardown(() => browser.close());
  await browser.navigate(`${url}/?token=${token}&stuck=5`);
  await browser.until('document.querySelectorAll("#rows tr").length === 3');

  const table = await browser.evaluate<{
    head: string[];
    labs: string[];
    rows: Record<string, { status: string; lab: string; step: string; cells: string[] }>;
  }>(`(() => {
    const head = [...document.querySelectorAll('#head th')].map((th) => th.textContent);
    const labs = [...document.querySelectorAll('#head th.lab')].map((th) => th.dataset.lab);
    const rows = {};
    for (const tr of document.querySelectorAll('#rows tr'))
      rows[tr.dataset.learner] = { status: tr.querySelector('td.status').dataset.status, lab: tr.querySelector('td.current-lab').textContent,
        step: tr.querySelector('td.step').textContent, cells: [...tr.querySelectorAll('td.lab')].map((td) => td.textContent) };
    return { head, labs, rows };
  })()`);
  t.same(table.head, ['Learner', 'Lab', 'Step', 'Status', '2', '3'], 'columns: learner, lab, step, status, then the labs by catalogue order');
  t.same(table.labs, ['uts-namespace', 'pid-namespace']);
  t.same(
    table.rows.ada,
    { status: 'working', lab: 'Lab pid-namespace', step: '1/4 Step 1', cells: ['\u2713', '1/4'] },
    'ada passed uts-namespace, now on pid-namespace (one step done)',
  );
  t.same(table.rows.bob, { status: 'failed', lab: 'Lab uts-namespace', step: '2/5 Step 2', cells: ['1/5 \u27171', ''] }, 'bob failed step 2');
  t.equal(table.rows.cara!.status, 'stuck', 'cara: no progress for 10 minutes, N = 5');
  t.equal(await browser.evaluate<string>('document.getElementById("stuck").value'), '5', 'N is shown');
  t.match(
    await browser.evaluate<string>('document.getElementById("hardest").textContent'),
    /uts-namespace \/ Step 2 \(step-2\): 1 learners/,
    'the step most fail on',
  );

  // Live: a learner who joins now shows up without a reload.
  const dan = await joinAs(url, code, 'dan');
  await postAll(url, code, 'dan', dan, wholeLab('uts-namespace', 2).slice(0, 1));
  await browser.until('document.querySelector(\'#rows tr[data-learner="dan"]\')');
  t.pass('a new learner appears live (server-sent events)');

  // A click opens the learner's timeline.
  await browser.evaluate('document.querySelector(\'#rows tr[data-learner="ada"]\').click()');
  await browser.until('document.querySelectorAll("#timeline li").length > 0');
  t.equal(await browser.evaluate<number>('document.querySelectorAll("#timeline li").length'), adaEvents.flat().length, "ada's timeline: every event");

  const png = await browser.screenshot();
  const artifacts = join(ROOT, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, 'class-page.png'), png);
  t.ok(statSync(join(artifacts, 'class-page.png')).size > 10_000, `screenshot written (${png.length} bytes)`);
  t.same([...png.subarray(1, 4)], [...Buffer.from('PNG')], 'a PNG');

  // Chinese: the toggle, and ?lang=zh.
  await browser.evaluate('document.getElementById("lang").click()');
  t.same(
    await browser.evaluate<string[]>('[...document.querySelectorAll("#head th")].slice(0, 4).map((th) => th.textContent)'),
    ['学员', '实验', '步骤', '状态'],
    'the toggle switches to Chinese',
  );
  t.equal(await browser.evaluate<string>('document.querySelector(\'#rows tr[data-learner="cara"] td.status\').textContent'), '卡住');
  t.match(await browser.evaluate<string>('location.search'), /lang=zh/, 'and keeps it in the address');
  t.equal(await browser.evaluate<string>('document.getElementById("conn").textContent'), '实时', 'the connection state too');

  // Without the token the page says how to open it, and shows no data.
  await browser.navigate(`${url}/?lang=zh`);
  t.match(await browser.evaluate<string>('document.getElementById("problem").textContent'), /讲师链接/);
  t.equal(await browser.evaluate<number>('document.querySelectorAll("#rows tr").length'), 0);
});
