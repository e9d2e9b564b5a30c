import type { Kysely } from 'kysely';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { DB } from '../../db/schema.ts';
import { ValidationError } from '../../shared/errors.ts';
import './tables.ts';

/**
 * Passkeys (WebAuthn): registration and authentication ceremonies. Each
 * challenge is stored in the database and used once, so a ceremony begun on one
 * process can finish on another. The relying party is the Portal's public
 * address (CAREMAIL_PUBLIC_URL): its host name is the RP ID, which is what makes
 * a passkey useless on a look-alike site.
 */
export type RelyingParty = { id: string; name: string; origin: string };

export function relyingPartyFor(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, name: 'Caremail', origin: url.origin };
}

const CHALLENGE_MINUTES = 5;

export class PasskeyError extends Error {}

async function storeChallenge(db: Kysely<DB>, challenge: string, purpose: 'register' | 'authenticate', accountId: string | null) {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<', new Date()).execute();
  await db
    .insertInto('webauthn_challenges')
    .values({ challenge, purpose, account_id: accountId, expires_at: new Date(Date.now() + CHALLENGE_MINUTES * 60_000) })
    .execute();
}

/** Reads the challenge the browser signed, and takes it from the table: a challenge works once. */
async function consumeChallenge(db: Kysely<DB>, clientDataJSON: string, purpose: 'register' | 'authenticate') {
  let challenge: string;
  try {
    challenge = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')).challenge;
  } catch {
    throw new PasskeyError('The passkey answer could not be read. Try again.');
  }
  if (typeof challenge !== 'string') throw new PasskeyError('The passkey answer could not be read. Try again.');
  const row = await db
    .deleteFrom('webauthn_challenges')
    .where('challenge', '=', challenge)
    .where('purpose', '=', purpose)
    .returning(['challenge', 'account_id', 'expires_at'])
    .executeTakeFirst();
  if (!row || row.expires_at.getTime() < Date.now()) throw new PasskeyError('The passkey request has expired. Try again.');
  return row;
}

export async function passkeyRegistrationOptions(
  db: Kysely<DB>,
  rp: RelyingParty,
  account: { id: string; email: string; displayName: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await db.selectFrom('mfa_passkeys').select(['credential_id', 'transports']).where('account_id', '=', account.id).execute();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: account.email,
    userDisplayName: account.displayName,
    userID: new TextEncoder().encode(account.id),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: c.transports ? c.transports.split(',') : undefined })),
    // Resident keys so the same passkey can sign in without a password.
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  await storeChallenge(db, options.challenge, 'register', account.id);
  return options;
}

export async function finishPasskeyRegistration(
  db: Kysely<DB>,
  rp: RelyingParty,
  accountId: string,
  response: RegistrationResponseJSON,
  name: string,
): Promise<{ id: string }> {
  const challenge = await consumeChallenge(db, response?.response?.clientDataJSON, 'register');
  if (challenge.account_id !== accountId) throw new PasskeyError('The passkey request has expired. Try again.');
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge.challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserVerification: true,
  }).catch((err: Error) => {
    throw new PasskeyError(`The passkey could not be registered: ${err.message}`);
  });
  if (!result.verified) throw new PasskeyError('The passkey could not be registered. Try again.');
  const cred = result.registrationInfo.credential;
  const label = name.trim().slice(0, 60) || 'Passkey';
  const row = await db
    .insertInto('mfa_passkeys')
    .values({
      account_id: accountId,
      credential_id: cred.id,
      public_key: Buffer.from(cred.publicKey).toString('base64url'),
      counter: cred.counter,
      transports: cred.transports?.join(',') ?? null,
      name: label,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row;
}

/** Options for signing in: with an account (second factor) its passkeys; without (passwordless) any discoverable one. */
export async function passkeyAuthenticationOptions(db: Kysely<DB>, rp: RelyingParty, accountId: string | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = accountId
    ? (await db.selectFrom('mfa_passkeys').select(['credential_id', 'transports']).where('account_id', '=', accountId).execute()).map((c) => ({
        id: c.credential_id,
        transports: c.transports ? c.transports.split(',') : undefined,
      }))
    : undefined;
  const options = await generateAuthenticationOptions({ rpID: rp.id, allowCredentials: allow, userVerification: 'required' });
  await storeChallenge(db, options.challenge, 'authenticate', accountId);
  return options;
}

/** Verifies a passkey assertion; returns the account it belongs to. */
export async function finishPasskeyAuthentication(
  db: Kysely<DB>,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  expectedAccountId: string | null,
): Promise<{ accountId: string; passkeyName: string }> {
  const challenge = await consumeChallenge(db, response?.response?.clientDataJSON, 'authenticate');
  if (challenge.account_id !== expectedAccountId) throw new PasskeyError('The passkey request has expired. Try again.');
  const key = await db.selectFrom('mfa_passkeys').selectAll().where('credential_id', '=', String(response.id ?? '')).executeTakeFirst();
  if (!key || (expectedAccountId && key.account_id !== expectedAccountId)) throw new PasskeyError('That passkey is not registered with Caremail.');
  const result = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge.challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserVerification: true,
    credential: {
      id: key.credential_id,
      publicKey: new Uint8Array(Buffer.from(key.public_key, 'base64url')),
      counter: Number(key.counter),
      transports: key.transports ? (key.transports.split(',') as never) : undefined,
    },
  }).catch((err: Error) => {
    throw new PasskeyError(`The passkey was not accepted: ${err.message}`);
  });
  if (!result.verified) throw new PasskeyError('The passkey was not accepted.');
  await db
    .updateTable('mfa_passkeys')
    .set({ counter: result.authenticationInfo.newCounter, last_used_at: new Date() })
    .where('id', '=', key.id)
    .execute();
  return { accountId: key.account_id, passkeyName: key.name };
}

export async function listPasskeys(db: Kysely<DB>, accountId: string) {
  return db.selectFrom('mfa_passkeys').select(['id', 'name', 'created_at', 'last_used_at']).where('account_id', '=', accountId).orderBy('created_at').execute();
}

export function passkeyNameProblem(name: string): ValidationError | null {
  return name.trim().length > 60 ? new ValidationError([{ field: 'name', message: 'Name must be 60 characters or fewer.' }]) : null;
}
