import { describe, expect, it } from 'vitest';
import { servesSlotAsPrimary } from '../src/slot-primary-check.js';

// The shape of `CLUSTER NODES` (Redis 7.0), as a node of a three-primary cluster answers it.
const PRIMARY_ID = '07c37dfeb235213a872192d90877d0cd55635b91';
const REPLICA_ID = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca';
const nodesAsSeenBy = (myself: 'primary' | 'replica', slots = '0-5460') =>
  [
    `${PRIMARY_ID} 127.0.0.1:30004@31004 ${myself === 'primary' ? 'myself,master' : 'master'} - 0 1426238317239 4 connected ${slots}`,
    `${REPLICA_ID} 127.0.0.1:30001@31001 ${myself === 'replica' ? 'myself,slave' : 'slave'} ${PRIMARY_ID} 0 1426238316232 4 connected`,
    '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922',
    '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383',
    '',
  ].join('\n');

describe('servesSlotAsPrimary (the myself line of CLUSTER NODES)', () => {
  it('is true for a primary listing the slot, in a range or alone', () => {
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary'), 0)).toBe(true);
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary'), 5460)).toBe(true);
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary', '17 100-200'), 17)).toBe(true);
  });

  it('is false for a slot the primary does not list, and for a replica of the primary that does', () => {
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary'), 5461)).toBe(false);
    expect(servesSlotAsPrimary(nodesAsSeenBy('replica'), 0)).toBe(false);
  });

  it('does not count a slot being moved to or from the node', () => {
    const slots = `0-99 [100->-${REPLICA_ID}] [200-<-${REPLICA_ID}]`;
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary', slots), 99)).toBe(true);
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary', slots), 100)).toBe(false);
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary', slots), 200)).toBe(false);
  });

  it('is false for anything that is not a node list naming itself with well-formed slots', () => {
    expect(servesSlotAsPrimary('', 0)).toBe(false);
    expect(servesSlotAsPrimary('ERR This instance has cluster support disabled', 0)).toBe(false);
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary').replace('myself,', ''), 0)).toBe(false);
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary', '0-99999'), 20_000)).toBe(false);
    expect(servesSlotAsPrimary(nodesAsSeenBy('primary', '0x10 +5 5-'), 5)).toBe(false);
  });

  it('reads no answer longer than a cluster could give', () => {
    const huge = nodesAsSeenBy('primary') + ' '.repeat(5 * 1024 * 1024);
    expect(servesSlotAsPrimary(huge, 0)).toBe(false);
  });
});
