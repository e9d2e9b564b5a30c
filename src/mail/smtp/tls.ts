import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The certificate the SMTP front doors offer. Configured files
 * (CAREMAIL_TLS_CERT and CAREMAIL_TLS_KEY) in production; otherwise a
 * self-signed certificate made at first start with the system's `openssl`
 * (Node's crypto cannot write X.509 certificates) and kept in the data folder,
 * so it stays the same across restarts.
 */
export type TlsCredentials = { key: Buffer; cert: Buffer; selfSigned: boolean };

export class TlsSetupError extends Error {}

export function loadTlsCredentials(opts: { certFile?: string; keyFile?: string; dataDir: string; hostname: string }): TlsCredentials {
  if (opts.certFile || opts.keyFile) {
    if (!opts.certFile || !opts.keyFile) throw new TlsSetupError('Set both CAREMAIL_TLS_CERT and CAREMAIL_TLS_KEY, or neither.');
    try {
      return { cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile), selfSigned: false };
    } catch (err) {
      throw new TlsSetupError(`Cannot read the TLS certificate or key: ${(err as Error).message}`);
    }
  }
  const dir = join(opts.dataDir, 'tls');
  const certFile = join(dir, 'smtp-cert.pem');
  const keyFile = join(dir, 'smtp-key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(opts.dataDir, { recursive: true });
    // Made in a folder of its own and renamed into place, so two processes starting at once agree on one pair.
    const tmp = mkdtempSync(join(opts.dataDir, 'tls-'));
    const cn = opts.hostname.replace(/[^a-zA-Z0-9.-]/g, '');
    try {
      execFileSync('openssl', [
        // An EC key: made in a millisecond (RSA takes long enough to slow a first start), and every current client takes it.
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '825',
        '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},DNS:localhost,IP:127.0.0.1`,
        '-keyout', join(tmp, 'smtp-key.pem'), '-out', join(tmp, 'smtp-cert.pem'),
      ], { stdio: 'ignore' });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new TlsSetupError(
        `Could not make a self-signed certificate for SMTP (${(err as Error).message}). Install openssl, or set CAREMAIL_TLS_CERT and CAREMAIL_TLS_KEY.`,
      );
    }
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), selfSigned: true };
}
