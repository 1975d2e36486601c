/**
 * The scaling formulas against the numbers memberlist's comments and the Lifeguard paper
 * state, and the small state holders (awareness, suspicion, config profiles).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ms, sec } from '../../src/core/env.ts';
import { Awareness, LAN, LOCAL, WAN, dynamicSuspicionUs, pushPullIntervalUs, retransmitLimit, suspicionTimeoutUs, swimConfig } from '../../src/core/swim/index.ts';

describe('memberlist profiles', () => {
  it('LAN matches DefaultLANConfig', () => {
    expect(LAN).toMatchObject({
      probeIntervalUs: sec(1),
      probeTimeoutUs: ms(500),
      indirectChecks: 3,
      suspicionMult: 4,
      suspicionMaxTimeoutMult: 6,
      retransmitMult: 4,
      gossipIntervalUs: ms(200),
      gossipNodes: 3,
      pushPullIntervalUs: sec(30),
      awarenessMaxMultiplier: 8,
    });
  });
  it('WAN and local differ where memberlist says', () => {
    expect(WAN).toMatchObject({ probeIntervalUs: sec(5), probeTimeoutUs: sec(3), suspicionMult: 6, gossipNodes: 4, pushPullIntervalUs: sec(60) });
    expect(LOCAL).toMatchObject({ probeTimeoutUs: ms(200), indirectChecks: 1, retransmitMult: 2, suspicionMult: 3, gossipIntervalUs: ms(100) });
  });
  it('swimConfig applies profile, overrides and Lifeguard switches', () => {
    const c = swimConfig({ profile: 'wan', gossipNodes: 7, lifeguard: { buddy: false } });
    expect(c.probeIntervalUs).toBe(sec(5));
    expect(c.gossipNodes).toBe(7);
    expect(c.lifeguard).toEqual({ awareness: true, dynamicSuspicion: true, buddy: false, nacks: true });
    expect(swimConfig({ lifeguard: false }).lifeguard.awareness).toBe(false);
    expect(() => swimConfig({ probeTimeoutUs: sec(2) })).toThrow(/probeTimeoutUs/);
  });
});

describe('scaling formulas', () => {
  it('suspicion min = mult × max(1, log10 n) × interval', () => {
    expect(suspicionTimeoutUs(4, 1, sec(1))).toBe(sec(4)); // small clusters floor at log10 = 1
    expect(suspicionTimeoutUs(4, 10, sec(1))).toBe(sec(4));
    expect(suspicionTimeoutUs(4, 100, sec(1))).toBe(sec(8));
    expect(suspicionTimeoutUs(4, 1000, sec(1))).toBe(sec(12));
    // memberlist's comment: max timeout of 120 s for 10k nodes (4 × 4 × 1 s × 6 = 96 s with log10; their log is of n+1)
    expect(6 * suspicionTimeoutUs(4, 10_000, sec(1))).toBe(sec(96));
  });
  it('retransmit limit = mult × ceil(log10(n + 1))', () => {
    expect(retransmitLimit(4, 1)).toBe(4);
    expect(retransmitLimit(4, 9)).toBe(4);
    expect(retransmitLimit(4, 10)).toBe(8);
    expect(retransmitLimit(4, 1000)).toBe(16);
  });
  it('push-pull interval grows past 32 members', () => {
    expect(pushPullIntervalUs(sec(30), 32)).toBe(sec(30));
    expect(pushPullIntervalUs(sec(30), 33)).toBe(sec(60));
    expect(pushPullIntervalUs(sec(30), 64)).toBe(sec(60));
    expect(pushPullIntervalUs(sec(30), 65)).toBe(sec(90));
    expect(pushPullIntervalUs(sec(30), 1000)).toBe(sec(180));
  });
  it('dynamic suspicion starts at max, reaches min after k confirmations, and never rises', () => {
    const min = sec(4);
    const max = sec(24);
    expect(dynamicSuspicionUs(0, 2, min, max)).toBe(max);
    expect(dynamicSuspicionUs(2, 2, min, max)).toBe(min);
    expect(dynamicSuspicionUs(0, 0, min, max)).toBe(min);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (k, c) => {
        const t = dynamicSuspicionUs(Math.min(c, k), k, min, max);
        const t1 = dynamicSuspicionUs(Math.min(c + 1, k), k, min, max);
        return t >= min && t <= max && t1 <= t;
      }),
    );
  });
});

describe('awareness', () => {
  it('stays within [0, max) and scales timeouts by score + 1', () => {
    const a = new Awareness(8);
    expect(a.scaleTimeout(ms(500))).toBe(ms(500));
    a.applyDelta(3);
    expect(a.scaleTimeout(ms(500))).toBe(ms(2000));
    a.applyDelta(100);
    expect(a.getHealthScore()).toBe(7);
    expect(a.scaleTimeout(sec(1))).toBe(sec(8)); // "probe interval backs off to 8 seconds"
    a.applyDelta(-100);
    expect(a.getHealthScore()).toBe(0);
  });
});
