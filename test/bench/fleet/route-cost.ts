// `node dist/test/bench/fleet/route-cost.js [N]`: what a gateway's presence lookup costs with N (100,000) device
// records in Redis: the uncached route (HGETALL of the device hash, as RedisPresenceStore.lookup does) against a
// cached one (a Map hit, as the gateway's presence cache does). Bounded: N inserts, 5,000 timed lookups.
import Redis from 'ioredis';
import { RedisFixture } from '@tether/testing';
import { macPlus } from '@tether/protocol';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const redis = await RedisFixture.start();
  const client = new Redis(redis.url);
  try {
    const macs = Array.from({ length: n }, (_, i) => macPlus('00408c300000', i));
    for (let i = 0; i < n; i += 5000) {
      const p = client.pipeline();
      for (const mac of macs.slice(i, i + 5000))
        p.hset(`tether:dev:${mac}`, 'epoch', '1700000000000000', 'edge', 'edge-0', 'addr', '127.0.0.1:7000', 'cid', `1.${mac}`, 'src', '127.0.0.1:40000', 'at', '1700000000000', 'v', '2');
      await p.exec();
    }
    const lookups = 5000;
    const sample = Array.from({ length: lookups }, () => macs[Math.floor(Math.random() * n)]);
    const t0 = performance.now();
    for (const mac of sample) await client.hgetall(`tether:dev:${mac}`);
    const redisUs = ((performance.now() - t0) * 1000) / lookups;
    const cache = new Map(macs.map((m) => [m, { edgeId: 'edge-0', until: Date.now() + 30_000 }]));
    const t1 = performance.now();
    let hits = 0;
    for (let k = 0; k < 200; k++) for (const mac of sample) if ((cache.get(mac)?.until ?? 0) > Date.now()) hits++;
    const cacheUs = ((performance.now() - t1) * 1000) / (200 * lookups);
    console.log(`${n} device records in Redis: uncached lookup ${redisUs.toFixed(1)} µs (one HGETALL round trip, sequential); cached ${cacheUs.toFixed(2)} µs (${hits} hits)`);
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
