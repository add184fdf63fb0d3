// Loaded into the cluster's Node processes by `fleet-bench --profile DIR` (NODE_OPTIONS=--require ...; --cpu-prof
// itself is not allowed in NODE_OPTIONS). On each SIGUSR2 it writes DIR/<role>-<pid>.memory-<n>.json
// (process.memoryUsage and the V8 heap spaces); odd signals start the V8 CPU profiler (the first, with
// FLEET_HEAP_SNAPSHOT=1, writes a heap snapshot before), even ones write DIR/<role>-<pid>.cpuprofile (open it in
// Chrome DevTools, or summarise it with fleet/profile-summary.js); then DIR/<role>-<pid>.signal-<n>.done.
// Nothing in tether handles SIGUSR2; without this preload the bench never sends it.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { profileBase, profilePath } from './profile-files';

const dir = process.env.FLEET_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let signals = 0;
  process.on('SIGUSR2', () => {
    const base = profileBase(dir, process.argv.slice(2), process.pid);
    const n = ++signals;
    // The bench waits for this marker: the signal's work is on disk.
    const done = () => writeFileSync(`${base}.signal-${n}.done`, '');
    writeFileSync(
      `${base}.memory-${n}.json`,
      JSON.stringify({ memoryUsage: process.memoryUsage(), heap: getHeapStatistics(), spaces: getHeapSpaceStatistics() }, null, 1),
    );
    if (n % 2 === 1) {
      if (n === 1 && process.env.FLEET_HEAP_SNAPSHOT === '1') writeHeapSnapshot(`${base}.heapsnapshot`);
      session.post('Profiler.enable', () => session.post('Profiler.start', done));
    } else {
      session.post('Profiler.stop', (err, res) => {
        if (!err) writeFileSync(profilePath(base, n), JSON.stringify(res.profile));
        done();
      });
    }
  });
}
