/**
 * Consistent-hash ring figures: load balance per virtual-node count (2 = the seed's value,
 * 16, 64, 128, 256), for plain crc32 points and for crc32 + fmix32, and the fraction of keys
 * moved when a group joins or leaves (ideal: 1/n).
 * Run: node bin/run-ts.js bench/shard-ring.ts
 */
import { HashRing, DEFAULT_VNODES, DEFAULT_RING_HASH, type RingHash } from '../src/core/shard/ring.ts';
import { balanceOf, movedFraction, sampleKeys } from '../src/core/shard/balance.ts';

const GROUP_COUNTS = [4, 8, 16, 32];
const VNODES = [2, 16, 64, 128, 256];
const HASHES: RingHash[] = ['crc32', 'crc32-fmix'];
const groupsOf = (n: number) => Array.from({ length: n }, (_, i) => `group-${i + 1}`);

console.log('Ring balance: share of the hash space per group (exact arc lengths).');
console.log('max/mean = most loaded group vs. a perfect share; cv = stddev/mean of the shares.\n');
console.log('groups  vnodes |  crc32: max/mean  min/mean    cv | crc32+fmix: max/mean  min/mean    cv');
const avg = new Map<string, number[]>();
for (const g of GROUP_COUNTS) {
  for (const v of VNODES) {
    const cols = HASHES.map((h) => {
      const b = balanceOf(new HashRing(groupsOf(g), { vnodes: v, hash: h }));
      const k = `${h}/${v}`;
      avg.set(k, [...(avg.get(k) ?? []), b.maxOverMean]);
      return `${b.maxOverMean.toFixed(3).padStart(8)}  ${b.minOverMean.toFixed(3).padStart(8)}  ${b.cv.toFixed(3).padStart(5)}`;
    });
    console.log(`${String(g).padStart(6)}  ${String(v).padStart(6)} |        ${cols[0]} |             ${cols[1]}`);
  }
}
console.log('\nMean max/mean over the group counts above:');
console.log('vnodes   crc32   crc32+fmix');
for (const v of VNODES) {
  const m = (h: RingHash) => { const xs = avg.get(`${h}/${v}`)!; return (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3); };
  console.log(`${String(v).padStart(6)}   ${m('crc32')}   ${m('crc32-fmix')}`);
}

console.error('[shard-ring] measuring key movement on 100k keys...');
const keys = sampleKeys(100_000);
console.log(`\nKey movement on membership change (100k keys, vnodes=${DEFAULT_VNODES}, hash=${DEFAULT_RING_HASH})`);
console.log('change   moved    ideal 1/n  moved/ideal');
for (const n of [4, 8, 16]) {
  const before = new HashRing(groupsOf(n));
  const grown = new HashRing(groupsOf(n + 1));
  const shrunk = new HashRing(groupsOf(n).slice(1));
  const addMoved = movedFraction(before, grown, keys);
  const rmMoved = movedFraction(before, shrunk, keys);
  console.log(`${`${n}->${n + 1}`.padEnd(7)}  ${addMoved.toFixed(4)}   ${(1 / (n + 1)).toFixed(4)}     ${(addMoved * (n + 1)).toFixed(3)}`);
  console.log(`${`${n}->${n - 1}`.padEnd(7)}  ${rmMoved.toFixed(4)}   ${(1 / n).toFixed(4)}     ${(rmMoved * n).toFixed(3)}`);
}
console.log(`\nDefault: vnodes=${DEFAULT_VNODES}, hash=${DEFAULT_RING_HASH} (the seed used 2 points of plain crc32).`);
