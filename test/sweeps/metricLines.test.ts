import { describe, expect, it } from 'vitest';
import { parseMetricLine, parseMetricNumber } from '../../electron/core/sweeps/metricLines.ts';

describe('metric lines', () => {
  it('parses one pair', () => {
    const r = parseMetricLine('macro-f1=0.8125');
    expect(r?.metrics.get('macro-f1')).toBe(0.8125);
    expect(r?.step).toBeUndefined();
  });

  it('parses several pairs and a step, with CR and surrounding spaces', () => {
    const r = parseMetricLine('  loss=1.5e-3 macro-f1=.5 step=4\r');
    expect(r?.metrics.get('loss')).toBe(0.0015);
    expect(r?.metrics.get('macro-f1')).toBe(0.5);
    expect(r?.metrics.has('step')).toBe(false);
    expect(r?.step).toBe(4);
  });

  it('reads inf and nan forms as Python and JS print them', () => {
    for (const [t, v] of [['inf', Infinity], ['-inf', -Infinity], ['+Infinity', Infinity], ['-Infinity', -Infinity], ['NaN', NaN], ['nan', NaN], ['1E3', 1000], ['-2', -2]] as const) {
      expect(parseMetricNumber(t)).toBe(v);
    }
    expect(parseMetricNumber('0x10')).toBeUndefined();
    expect(parseMetricNumber('1,5')).toBeUndefined();
    expect(parseMetricNumber('')).toBeUndefined();
  });

  it('ignores ordinary output, including lines that merely contain =', () => {
    for (const line of ['', 'Epoch 1/3', 'INFO lr=0.001 starting', 'score=abc', 'score=', '=3', 'a=b=c', 'step=3', 'score=1 step=-1', 'score=1 step=1.5']) {
      expect(parseMetricLine(line), line).toBeUndefined();
    }
  });
});
