// The runtime's wait (src/runtime/poll.ts): done when asked, a timeout, and a wake that cuts one wait short without
// turning the wait into a busy loop.
import t from 'tap';
import { poll } from '../../src/runtime/poll.js';

t.test('poll: true once done, false when the time is up', async (t) => {
  let calls = 0;
  t.equal(await poll(() => ++calls >= 3, 1000), true, 'done on the third ask');
  t.equal(calls, 3);
  const start = Date.now();
  t.equal(await poll(() => false, 40), false, 'never done: false');
  t.ok(Date.now() - start >= 40, 'after the timeout');
});

t.test('poll: a wake asks done() at once, then the polls go on at their pace', async (t) => {
  let woken = false;
  let askedAfterWake: number | undefined;
  let wokenAt = 0;
  const wake = new Promise<void>((resolve) =>
    setTimeout(() => {
      woken = true;
      wokenAt = performance.now();
      resolve();
    }, 30),
  );
  // Done 10 ms after the wake: the asks between the wake and then must still be paced, not a busy loop.
  let calls = 0;
  const got = await poll(
    () => {
      calls++;
      if (woken && askedAfterWake === undefined) askedAfterWake = performance.now() - wokenAt;
      return woken && performance.now() - wokenAt >= 10;
    },
    5000,
    50,
    wake,
  );
  t.equal(got, true);
  t.ok(askedAfterWake !== undefined && askedAfterWake < 3, `done() asked right after the wake (${askedAfterWake?.toFixed(2)} ms)`);
  t.ok(calls < 40, `paced, not spinning: ${calls} asks in about 40 ms`);
});

t.test('poll: a wake already settled does not make a busy loop', async (t) => {
  let calls = 0;
  t.equal(await poll(() => (calls++, false), 60, 50, Promise.resolve()), false);
  t.ok(calls < 60, `${calls} asks in 60 ms`);
});
