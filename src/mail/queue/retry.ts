/**
 * Back-off between attempts: base × 2^(attempt−1), at most four hours apart,
 * until the message has been queued longer than the lifetime (5 days by
 * default), when its sender gets a bounce.
 */
export type RetryPolicy = { baseSeconds: number; maxDelaySeconds: number; lifetimeSeconds: number };

export const DEFAULT_RETRY: RetryPolicy = { baseSeconds: 300, maxDelaySeconds: 4 * 3600, lifetimeSeconds: 5 * 24 * 3600 };

export function nextAttemptAt(attempts: number, policy: RetryPolicy, now = new Date()): Date {
  const delay = Math.min(policy.baseSeconds * 2 ** Math.max(0, attempts - 1), policy.maxDelaySeconds);
  return new Date(now.getTime() + delay * 1000);
}

export function expired(queuedAt: Date, policy: RetryPolicy, now = new Date()): boolean {
  return now.getTime() - queuedAt.getTime() >= policy.lifetimeSeconds * 1000;
}
