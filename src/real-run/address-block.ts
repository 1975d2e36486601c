/**
 * The loopback block a real run takes its addresses from: servers 127.B.0.x, client nodes
 * 127.B.1.x, failover targets 127.B.3.x. B is 0 unless HASIM_REAL_BLOCK says otherwise
 * (1..250): two real runs at once (say `hasim compare` of two scenarios) each take a block of
 * their own, so one run's nft rules (by address) never cut the other's links.
 */
export function addressBlock(): number {
  const raw = process.env.HASIM_REAL_BLOCK;
  if (raw === undefined || raw === '') return 0;
  const b = Number(raw);
  if (!Number.isInteger(b) || b < 0 || b > 250) throw new Error(`HASIM_REAL_BLOCK must be an integer in 0..250, got ${JSON.stringify(raw)}`);
  return b;
}
