/**
 * LOGIN and AUTHENTICATE PLAIN both end here: the one password check every
 * front door uses (lockout counts, app passwords when MFA is on), with the
 * client's ID name passed on for the sign-in diagnostics LAs read.
 */
import { verifyPassword } from '../../../identity/verify-password.ts';
import { capabilities, signInAllowed } from './capabilities.ts';
import type { Session } from './session.ts';
import { no, ok, type CommandResult, type ImapContext } from './types.ts';

const REFUSED: Record<string, string> = {
  locked: 'This account is locked after too many failed sign-ins. Wait and try again later, or ask your Local Administrator to unlock it.',
  app_password_required:
    'This account uses two-step verification, so mail programs need an app password. Make one in the Portal under Security, and use it here instead of your password.',
};
const GENERIC = 'Wrong email address or password. Check both and try again.';

export function clearTextRefusal(session: Session, ctx: ImapContext): CommandResult | null {
  if (signInAllowed(session, ctx.options)) return null;
  return no('Signing in needs an encrypted connection: use STARTTLS first, or the implicit-TLS port.', { name: 'PRIVACYREQUIRED' });
}

export async function signIn(session: Session, ctx: ImapContext, login: string, password: string): Promise<CommandResult> {
  const result = await verifyPassword(ctx.db, login, password, {
    frontDoor: 'imap',
    ip: session.transport.remoteAddress || null,
    client: session.clientName,
    demoMode: ctx.options.demoMode,
  });
  if (!result.ok) {
    const text = REFUSED[result.reason] ?? GENERIC;
    return no(text, { name: 'AUTHENTICATIONFAILED' });
  }
  if (result.mustChangePassword) {
    return no('Your password is temporary or has expired. Sign in to the Portal to choose a new one, then try again.', { name: 'EXPIRED' });
  }
  session.accountId = result.accountId;
  session.email = login.trim().toLowerCase();
  session.state = 'authenticated';
  return ok('Signed in', { name: 'CAPABILITY', capabilities: capabilities(session, ctx.options) });
}
