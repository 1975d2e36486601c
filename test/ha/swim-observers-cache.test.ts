/**
 * SwimObservers reuses its live/known sets while SWIM's membershipVersion and the configured
 * observer list stay the same; any change to either must show at once.
 */
import { describe, expect, it } from 'vitest';
import { SwimObservers, type SwimLike } from '../../src/core/ha/index.ts';
import type { MemberInfo } from '../../src/core/swim/index.ts';

type Status = MemberInfo['status'];

function fakeSwim(withVersion: boolean) {
  const members: { node: string; status: Status }[] = [];
  let version = 0;
  let listed = 0;
  const swim: SwimLike = {
    broadcast() {},
    onUser: () => () => {},
    setStateDelegate() {},
    members: () => {
      listed++;
      return members.map((m) => ({ node: m.node, status: m.status, incarnation: 0, meta: {}, sinceUs: 0 }) as unknown as MemberInfo);
    },
    ...(withVersion ? { membershipVersion: () => version } : {}),
  };
  return {
    swim,
    set(node: string, status: Status) {
      const m = members.find((x) => x.node === node);
      if (m) m.status = status;
      else members.push({ node, status });
      version++;
    },
    listed: () => listed,
  };
}

const sorted = (s: ReadonlySet<string>) => [...s].sort();

describe('SwimObservers caching', () => {
  it('follows every membership change and every change of the configured list', () => {
    const f = fakeSwim(true);
    const configured = ['a', 'b', 'c'];
    const obs = new SwimObservers(f.swim, 'a', (n) => n !== 'x', () => configured);
    f.set('a', 'alive');
    f.set('b', 'alive');
    f.set('x', 'alive');
    expect(sorted(obs.live())).toEqual(['a', 'b']);
    expect(sorted(obs.known())).toEqual(['a', 'b', 'c']);
    f.set('b', 'suspect');
    expect(sorted(obs.live())).toEqual(['a', 'b']);
    f.set('b', 'dead');
    expect(sorted(obs.live())).toEqual(['a']);
    expect(sorted(obs.known())).toEqual(['a', 'b', 'c']);
    f.set('c', 'left');
    expect(sorted(obs.known())).toEqual(['a', 'b']);
    // The configured list changed in place (same array): seen without a membership change.
    configured.push('d');
    expect(sorted(obs.known())).toEqual(['a', 'b', 'd']);
    configured.splice(1, 1);
    expect(sorted(obs.known())).toEqual(['a', 'b', 'd']); // b is still a SWIM member
    configured.length = 0;
    expect(sorted(obs.known())).toEqual(['a', 'b']);
  });

  it('lists SWIM members once per membership version, every time without a version', () => {
    for (const withVersion of [true, false]) {
      const f = fakeSwim(withVersion);
      const obs = new SwimObservers(f.swim, 'a', () => true, () => ['a', 'b']);
      f.set('b', 'alive');
      const before = f.listed();
      for (let i = 0; i < 10; i++) {
        obs.live();
        obs.known();
      }
      expect(f.listed() - before).toBe(withVersion ? 2 : 20);
    }
  });
});
