import { Resolver } from 'node:dns/promises';
import type { DNSResolver } from 'mailauth';
import type { Settings } from '../../config/settings.ts';
import type { OutboundPolicyOptions } from './outbound-policy.ts';
import { secureMessageKeyFor } from './service-key.ts';

/**
 * What the mail front doors and the Portal need from the settings for secure
 * messaging, made once at start: the service key (and keyring), the public
 * address for links, lifetimes, the patient-data action, trusted relays.
 */
export type SecureMailOptions = OutboundPolicyOptions & {
  trustedRelays: string[];
  /** DNS for SPF/DKIM/DMARC; tests give a stub, the service uses the system's. */
  resolver?: DNSResolver;
};

export function secureMailOptions(settings: Settings, localDomains: string[] = [settings.domain], extra: { resolver?: DNSResolver } = {}): SecureMailOptions {
  const serviceKey = secureMessageKeyFor(settings);
  return {
    serviceKey,
    keyring: [serviceKey],
    publicUrl: settings.publicUrl,
    messageDays: settings.secure.messageDays,
    localDomains,
    onPatientData: settings.secure.patientDataAction,
    trustedRelays: settings.secure.trustedRelays,
    resolver: extra.resolver ?? systemDnsResolver(),
  };
}

/** The system's DNS with a short timeout, so a slow name server delays a message by seconds, not minutes. */
export function systemDnsResolver(): DNSResolver {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  return (name, rrtype) => r.resolve(name, rrtype) as Promise<string[][] | string[]>;
}
