import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface ServingPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

const CA_YEARS = 10;
const SERVER_YEARS = 1;

/**
 * The cluster's certificate authority and the API server's serving certificate, kept in `dir`.
 * The CA is generated once on first start; the serving certificate is re-issued when it is missing,
 * near expiry, or lacks one of the wanted SANs (so adding an address never needs a manual step).
 * Keys come from Node's native generator; node-forge only signs.
 */
export function ensurePki(dir: string, sans: { dns: string[]; ips: string[] }): ServingPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caCertPath = join(dir, 'ca.crt');
  const caKeyPath = join(dir, 'ca.key');
  if (!existsSync(caCertPath) || !existsSync(caKeyPath)) {
    const { cert, key } = makeCa();
    writeFileSync(caKeyPath, key, { mode: 0o600 });
    writeFileSync(caCertPath, cert, { mode: 0o600 });
  }
  const caCert = readFileSync(caCertPath, 'utf8');
  const caKey = readFileSync(caKeyPath, 'utf8');

  const certPath = join(dir, 'apiserver.crt');
  const keyPath = join(dir, 'apiserver.key');
  if (!servingCertOk(certPath, caCert, sans)) {
    const { cert, key } = makeServing(caCert, caKey, sans);
    writeFileSync(keyPath, key, { mode: 0o600 });
    writeFileSync(certPath, cert, { mode: 0o600 });
  }
  return { caCert, serverCert: readFileSync(certPath, 'utf8'), serverKey: readFileSync(keyPath, 'utf8') };
}

function rsaKey(): { pem: string; forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { pem, forgeKey, publicKey };
}

function serial(): string {
  // Positive, 16 bytes.
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

function makeCa(): { cert: string; key: string } {
  const k = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + CA_YEARS * 365 * 86400_000);
  const subject = [{ name: 'commonName', value: `skiff-ca-${Math.floor(Date.now() / 1000)}` }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(k.forgeKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: k.pem };
}

function makeServing(caPem: string, caKeyPem: string, sans: { dns: string[]; ips: string[] }): { cert: string; key: string } {
  const ca = forge.pki.certificateFromPem(caPem);
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const k = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + SERVER_YEARS * 365 * 86400_000);
  cert.setSubject([{ name: 'commonName', value: 'skiff-apiserver' }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...sans.dns.map((value) => ({ type: 2, value })), ...sans.ips.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: k.pem };
}

function servingCertOk(path: string, caPem: string, sans: { dns: string[]; ips: string[] }): boolean {
  if (!existsSync(path)) return false;
  try {
    const cert = new X509Certificate(readFileSync(path));
    if (!cert.verify(new X509Certificate(caPem).publicKey)) return false;
    if (new Date(cert.validTo).getTime() - Date.now() < 30 * 86400_000) return false;
    const alt = cert.subjectAltName ?? '';
    return sans.dns.every((d) => alt.includes(`DNS:${d}`)) && sans.ips.every((ip) => alt.includes(`IP Address:${ip}`));
  } catch {
    return false;
  }
}
