import { createPrivateKey, X509Certificate } from 'node:crypto';
import { defaultServerTls, generateCertificateAuthority, issueServerCertificate } from '../src/tls';

describe('TLS material', () => {
  it('issues a server certificate for 127.0.0.1 and localhost that verifies against its CA', () => {
    const ca = generateCertificateAuthority('test CA');
    const tls = issueServerCertificate(ca);
    const caCert = new X509Certificate(ca.certPem);
    const server = new X509Certificate(tls.certPem);
    expect(caCert.ca).toBe(true);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(caCert)).toBe(true);
    expect(server.verify(caCert.publicKey)).toBe(true);
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toContain('DNS:localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkPrivateKey(createPrivateKey(tls.keyPem))).toBe(true);
    expect(tls.caPem).toBe(ca.certPem);
    expect(new Date(server.validTo).getTime()).toBeGreaterThan(Date.now());
  });

  it('does not verify against another CA, and caches the default material', () => {
    const tls = defaultServerTls();
    const other = new X509Certificate(generateCertificateAuthority().certPem);
    expect(new X509Certificate(tls.certPem).verify(other.publicKey)).toBe(false);
    expect(defaultServerTls()).toBe(tls);
  });
});
