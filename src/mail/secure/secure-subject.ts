// The sender's opt-in to encryption, as on NHSmail: "[secure]" anywhere in the subject, any case.
// The caller passes the decoded subject (RFC 2047 already undone), so "=?UTF-8?Q?[secure]?=" works.

const MARKER = /\[secure\]/i;
const MARKER_WITH_SPACE = /[ \t]*\[secure\][ \t]*/gi;

export function isSecureSubject(subject: string | null | undefined): boolean {
  return typeof subject === 'string' && MARKER.test(subject);
}

/**
 * The subject without the marker, for what the outside recipient sees; whitespace the marker
 * sat between is collapsed to one space so "Re: [secure] Referral" becomes "Re: Referral".
 */
export function stripSecureMarker(subject: string): string {
  return subject.replace(MARKER_WITH_SPACE, ' ').trim();
}
