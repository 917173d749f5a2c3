import { formatCoolingOff, parseCoolingOff } from './cooling-off';

describe('cooling-off durations', () => {
  it('parses 0s–72h into seconds and refuses anything else', () => {
    expect([parseCoolingOff('0s'), parseCoolingOff('2s'), parseCoolingOff('90m'), parseCoolingOff('24h'), parseCoolingOff('72h'), parseCoolingOff('3d')]).toEqual([0, 2, 5400, 86400, 259200, 259200]);
    for (const bad of ['73h', '4d', '259201s', '-1s', '1.5h', '24', 'h', '', ' ', '1w', 24, null, undefined]) expect(parseCoolingOff(bad)).toBeNull();
  });

  it('formats seconds as the shortest exact duration', () => {
    expect([0, 2, 90, 120, 5400, 86400, 259200].map(formatCoolingOff)).toEqual(['0s', '2s', '90s', '2m', '90m', '24h', '72h']);
  });
});
