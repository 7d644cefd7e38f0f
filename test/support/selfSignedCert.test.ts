// The Azure double's hand-made certificate must be valid DER every time: its serial number was
// sometimes encoded with a leading zero byte ("illegal padding"), failing one double start in
// about 256. Many certificates, each parsed by OpenSSL through node:crypto.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeSelfSignedCert } from './azureDouble.ts';

describe('the Azure double certificate', () => {
  it('parses every time, with a positive serial without padding', () => {
    for (let i = 0; i < 1500; i++) {
      const { certPem } = makeSelfSignedCert();
      const cert = new X509Certificate(certPem);
      // 16 bytes, the first one 01..7F: positive and minimal.
      expect(cert.serialNumber).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])[0-9A-F]{30}$/);
    }
  }, 120_000);
});
