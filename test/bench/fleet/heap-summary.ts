// `node dist/test/bench/fleet/heap-summary.js FILE.heapsnapshot [PER] [TOP]`: self size of a V8 heap snapshot by
// constructor (objects) or kind (strings, arrays, code...), and per PER units (e.g. the devices the process held),
// to see what one idle device costs in the JS heap. Reads the whole snapshot into memory.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function heapSummary(s: Snapshot, per = 1, top = 40): string {
  const f = s.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const agg = new Map<string, { size: number; count: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]];
    const size = s.nodes[i + iSize];
    total += size;
    let name = type;
    if (type === 'object' || type === 'closure' || type === 'native') name = `${type}: ${s.strings[s.nodes[i + iName]]}`;
    else if (type === 'hidden' || type === 'object shape' || type === 'array' || type === 'code')
      name = `${type}: ${s.strings[s.nodes[i + iName]].slice(0, 40)}`;
    const a = agg.get(name) ?? { size: 0, count: 0 };
    a.size += size;
    a.count++;
    agg.set(name, a);
  }
  const rows = [...agg.entries()].sort((a, b) => b[1].size - a[1].size).slice(0, top);
  return [
    `total self size ${(total / 2 ** 20).toFixed(1)} MiB = ${(total / 1024 / per).toFixed(2)} KiB per ${per === 1 ? 'snapshot' : `each of ${per}`}`,
    '   KiB total   per unit (B)   count/unit   name',
    ...rows.map(
      ([name, a]) =>
        `${(a.size / 1024).toFixed(0).padStart(12)}   ${(a.size / per).toFixed(0).padStart(12)}   ${(a.count / per).toFixed(2).padStart(10)}   ${name}`,
    ),
  ].join('\n');
}

if (require.main === module) {
  const [file, per, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: heap-summary FILE.heapsnapshot [PER] [TOP]');
    process.exit(2);
  }
  console.log(heapSummary(JSON.parse(readFileSync(file, 'utf8')) as Snapshot, Number(per) || 1, Number(top) || 40));
}
