import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer } from 'smtp-server';

type Ehlo = { secure: boolean; handler_EHLO(command: Buffer, callback: () => void): void; send(code: number, data?: string | string[] | null, context?: string | false): void };

/**
 * Submission that does not offer AUTH until the connection is encrypted
 * (RFC 4954 section 4, RFC 3207; SPEC 6). smtp-server lists AUTH in the EHLO
 * reply whenever `authMethods` is set, even before STARTTLS, which invites
 * clients to send a password in clear text only to be refused with 538; it has
 * no option to hold the keyword back. So each connection's EHLO reply leaves
 * out the AUTH line while the connection is plain. Everything else stays the
 * library's: after STARTTLS the reply lists AUTH PLAIN LOGIN as usual, and AUTH
 * sent anyway before TLS is still answered 538 by the library's own check.
 * Checked against smtp-server 3.21.6 (`handler_EHLO` sends one multi-line 250).
 */
export class AuthAfterTlsServer extends SMTPServer {
  override connect(socket: Socket | TLSSocket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    super.connect(socket, socketOptions);
    // The connection just made is the newest in the set; nothing has been read from it yet.
    let newest: unknown;
    for (const c of this.connections) newest = c;
    if (newest) withoutAuthBeforeTls(newest as Ehlo);
  }
}

function withoutAuthBeforeTls(connection: Ehlo): void {
  const ehlo = connection.handler_EHLO;
  connection.handler_EHLO = function (this: Ehlo, command, callback) {
    if (this.secure) return ehlo.call(this, command, callback);
    const send = this.send;
    this.send = (code, data, context) => {
      this.send = send;
      const lines = code === 250 && Array.isArray(data) ? data.filter((line) => !/^AUTH\b/i.test(line)) : data;
      return send.call(this, code, lines, context);
    };
    try {
      return ehlo.call(this, command, callback);
    } finally {
      this.send = send;
    }
  };
}
