import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from './tls.ts';

describe('the self-signed serving certificate', () => {
  it('is a CA certificate for 127.0.0.1 and localhost that TLS accepts with its key', () => {
    const { cert, key } = selfSignedCertificate();
    const x509 = new X509Certificate(cert);
    expect(x509.ca).toBe(true);
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(() => createSecureContext({ cert, key })).not.toThrow();
  });

  it('encodes a serial with leading zero bytes minimally, so OpenSSL can read it', () => {
    for (const serial of [Buffer.from([0, 1, 2, 3]), Buffer.from([0, 0, 0x80, 1]), Buffer.from([0x80, 0, 0, 0])]) {
      const { cert, key } = selfSignedCertificate('paranoid-sim', serial);
      expect(() => createSecureContext({ cert, key })).not.toThrow();
      expect(new X509Certificate(cert).serialNumber).toBe(
        serial
          .toString('hex')
          .replace(/^(00)+(?=..)/, '')
          .toUpperCase(),
      );
    }
  });
});
