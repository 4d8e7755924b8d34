import { constants, generateKeyPairSync, privateEncrypt, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface ServerTls {
  /** PEM of the CA that signed `certPem`; what clients must trust. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

// RSA key generation in node-forge's pure JS takes seconds; Node's native one is milliseconds.
function nativeRsaKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

// DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1).
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * Signs with Node's native RSA: node-forge builds the certificate, but its pure-JS private-key
 * operation costs ~70 ms per signature here.
 */
function signNatively(cert: forge.pki.Certificate, keyPem: string): void {
  const signer = {
    sign(md: forge.md.MessageDigest): string {
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, digest]);
      const signature = privateEncrypt(
        { key: keyPem, padding: constants.RSA_PKCS1_PADDING },
        digestInfo,
      );
      return signature.toString('binary');
    },
  };
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
}

function serialNumber(): string {
  // Positive (leading bit clear) random serial, as RFC 5280 asks.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 365 * 24 * 60 * 60 * 1000);
}

/** A fresh self-signed CA. Use it for "wrong CA" tests or to share a CA between servers. */
export function generateCertificateAuthority(
  // A distinct name per CA: a client trusting another localcloud CA then fails with the usual
  // "unable to verify the first certificate" rather than a signature mismatch between same-named CAs.
  commonName = `localcloud CA ${randomBytes(4).toString('hex')}`,
): CertificateAuthority {
  const keys = nativeRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumber();
  validity(cert);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signNatively(cert, keys.privatePem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** A server certificate for 127.0.0.1 / localhost signed by `ca`. */
export function issueServerCertificate(ca: CertificateAuthority): ServerTls {
  const keys = nativeRsaKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumber();
  validity(cert);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  signNatively(cert, ca.keyPem);
  return { caPem: ca.certPem, certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

let cached: ServerTls | undefined;

/** CA + server certificate, generated once per process so every test does not pay for it. */
export function defaultServerTls(): ServerTls {
  cached ??= issueServerCertificate(generateCertificateAuthority());
  return cached;
}
