import { describe, expect, it } from 'vitest';
import { buildArgv } from '../../electron/core/sweeps/argvTemplate.ts';

describe('argv template', () => {
  const ctx = { params: { learning_rate: 1e-5, batch_size: 16, opt: 'a b; rm -rf /', flag: true, none: null, tiny: 0.1 + 0.2 }, backbone: 'distilbert', trialNumber: 7, trialDir: '/out/distilbert/trial_7' };

  it('substitutes params and built-ins element by element, never splitting or quoting', () => {
    const argv = buildArgv(['python', 'train.py', '--lr', '{learning_rate}', '--bs={batch_size}', '--opt', '{opt}', '--out', '{trial_dir}/{backbone}-{trial_number}'], ctx);
    expect(argv).toEqual(['python', 'train.py', '--lr', '0.00001', '--bs=16', '--opt', 'a b; rm -rf /', '--out', '/out/distilbert/trial_7/distilbert-7']);
  });

  it('formats floats so they round-trip exactly', () => {
    const [v] = buildArgv(['{tiny}'], ctx);
    expect(Number(v)).toBe(0.1 + 0.2);
    expect(Number(buildArgv(['{learning_rate}'], ctx)[0])).toBe(1e-5);
  });

  it('keeps literal braces written as {{ }}', () => {
    expect(buildArgv(['{{"bs": {batch_size}}}'], ctx)).toEqual(['{"bs": 16}']);
  });

  it('names the element of an unknown placeholder', () => {
    expect(() => buildArgv(['x', '--y', '{nope}'], ctx)).toThrow(/trial\.command\[2\].*\{nope\}/);
  });
});
