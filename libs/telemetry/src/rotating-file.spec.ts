import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from './manual.clock';
import { RotatingFile } from './rotating-file';

const MINUTE = 60_000;

describe('RotatingFile (O3C 2.4.1.1)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tether-rotate-'));
    path = join(dir, 'tether.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (p: string) => readFileSync(p, 'utf8');

  it('rotates by size only at the minute check, some bytes past the threshold, and reopens the file', async () => {
    const clock = new ManualClock(new Date(2026, 5, 1, 12, 0, 0).getTime());
    const f = new RotatingFile(path, { maxBytes: 100, clock });
    for (let i = 0; i < 10; i++) f.write(`line ${i} ${'x'.repeat(20)}`);
    clock.advance(MINUTE - 1);
    assert.equal(existsSync(`${path}.1`), false, 'no check before the minute is up');
    clock.advance(1);
    assert.equal(existsSync(`${path}.1`), true, 'rotated at the check');
    f.write('after rotation');
    clock.advance(MINUTE);
    assert.equal(existsSync(`${path}.2`), false, 'a small new file is not rotated again');
    await f.close();
    const old = read(`${path}.1`).split('\n').filter(Boolean);
    assert.equal(old.length, 10, 'every line before the rotation is in <logfile>.1');
    assert.ok(Buffer.byteLength(read(`${path}.1`)) > 100);
    assert.equal(read(path), 'after rotation\n', 'later lines go to a fresh <logfile>');
    assert.equal(clock.pending, 0, 'close stops the check');
  });

  it('keeps logrotation_keep rotated files, newest as .1, dropping the oldest', async () => {
    const clock = new ManualClock(new Date(2026, 5, 1, 12, 0, 0).getTime());
    const f = new RotatingFile(path, { maxBytes: 1, keep: 3, clock });
    for (let i = 1; i <= 5; i++) {
      f.write(`generation ${i}`);
      clock.advance(MINUTE);
    }
    f.write('current');
    await f.close();
    assert.deepEqual(readdirSync(dir).sort(), ['tether.log', 'tether.log.1', 'tether.log.2', 'tether.log.3']);
    assert.equal(read(`${path}.1`), 'generation 5\n');
    assert.equal(read(`${path}.2`), 'generation 4\n');
    assert.equal(read(`${path}.3`), 'generation 3\n');
    assert.equal(read(path), 'current\n');
  });

  it('rotates nightly at the first check past local midnight, and not without logrotation_nightly', async () => {
    const start = new Date(2026, 5, 1, 23, 58, 30).getTime();
    for (const nightly of [true, false]) {
      const clock = new ManualClock(start);
      const p = join(dir, `nightly-${nightly}.log`);
      const f = new RotatingFile(p, { nightly, clock });
      f.write('before midnight');
      clock.advance(MINUTE); // 23:59:30
      assert.equal(existsSync(`${p}.1`), false, 'no rotation before midnight');
      clock.advance(MINUTE); // 00:00:30
      assert.equal(existsSync(`${p}.1`), nightly, `nightly=${nightly} at the first check after midnight`);
      f.write('after midnight');
      clock.advance(MINUTE); // 00:01:30, same day: no second rotation
      await f.close();
      assert.equal(existsSync(`${p}.2`), false);
      if (nightly) {
        assert.equal(read(`${p}.1`), 'before midnight\n');
        assert.equal(read(p), 'after midnight\n');
      } else {
        assert.equal(read(p), 'before midnight\nafter midnight\n');
      }
    }
  });

  it('counts an existing file towards the size, appends to it, and takes new settings on configure', async () => {
    const clock = new ManualClock(new Date(2026, 5, 1, 12, 0, 0).getTime());
    const first = new RotatingFile(path, { clock });
    first.write('x'.repeat(200));
    await first.close();
    const f = new RotatingFile(path, { clock });
    clock.advance(MINUTE);
    assert.equal(existsSync(`${path}.1`), false, 'logrotation_filesize 0: never by size');
    f.configure({ maxBytes: 150 });
    clock.advance(MINUTE);
    assert.equal(existsSync(`${path}.1`), true, 'the 200 bytes written before the reopen count');
    await f.close();
  });

  it('refuses a file it cannot open, synchronously, with the reason', () => {
    assert.throws(() => new RotatingFile(join(dir, 'missing', 'tether.log')), /ENOENT/);
  });
});
