// Request bodies with integer literals a double cannot hold: only those, outside strings, are
// handed over as their exact decimal text; everything else parses as JSON.parse would.
import { describe, expect, it } from 'vitest';
import { parseJsonLenient, quoteUnsafeIntegers } from '../../../electron/core/tracking/endpoint/wire.ts';

describe('quoteUnsafeIntegers', () => {
  it('leaves a log-batch body of 16- and 17-digit fractions, exponents and 13-digit timestamps as it is', () => {
    const body = '{"run_id":"r","metrics":[{"key":"m0","value":0.8414709848078965,"timestamp":1796679852905,"step":1},'
      + '{"key":"m1","value":-0.12345678901234567,"timestamp":1796679852905,"step":9007199254740991},'
      + '{"key":"m2","value":1.2246467991473532e-16,"timestamp":1796679852905,"step":-9007199254740991},'
      + '{"key":"m3","value":12345678901234567.5,"timestamp":0,"step":0},{"key":"m4","value":1e12345678901234567,"timestamp":0}]}';
    expect(quoteUnsafeIntegers(body)).toBe(body);
  });

  it('quotes unsafe integers beside such fractions, and not digits inside strings', () => {
    const body = '{"run_id":"12345678901234567890","metrics":[{"key":"9007199254740993","value":0.8414709848078965,"timestamp":1,"step":9007199254740993},'
      + '{"key":"k","value":0.5,"timestamp":1,"step":-9223372036854775808}, {"key":"k","value":1,"timestamp":1, "step": 18446744073709551616}]}';
    expect(quoteUnsafeIntegers(body)).toBe(
      '{"run_id":"12345678901234567890","metrics":[{"key":"9007199254740993","value":0.8414709848078965,"timestamp":1,"step":"9007199254740993"},'
      + '{"key":"k","value":0.5,"timestamp":1,"step":"-9223372036854775808"}, {"key":"k","value":1,"timestamp":1, "step": "18446744073709551616"}]}',
    );
    expect(quoteUnsafeIntegers('9007199254740993')).toBe('"9007199254740993"');
    expect(quoteUnsafeIntegers('[1,\n-9007199254740993]')).toBe('[1,\n"-9007199254740993"]');
    expect(parseJsonLenient(body)).toEqual({
      run_id: '12345678901234567890',
      metrics: [
        { key: '9007199254740993', value: 0.8414709848078965, timestamp: 1, step: '9007199254740993' },
        { key: 'k', value: 0.5, timestamp: 1, step: '-9223372036854775808' },
        { key: 'k', value: 1, timestamp: 1, step: '18446744073709551616' },
      ],
    });
  });
});
