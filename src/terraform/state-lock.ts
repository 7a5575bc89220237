import type { Button } from '../core/message.js';

/**
 * Terraform's own state lock, as opsbot speaks of it. A lock id is checked against this before it
 * reaches a process or a Redis key. Most backends (local, kubernetes, s3, azurerm, consul) use the UUID tofu makes for
 * each lock (statemgr.NewLockInfo); gcs uses the lock object's generation, a decimal number.
 */
export const LOCK_ID_PATTERN = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9]{1,20})$/;

export function isLockId(value: string): boolean {
  return LOCK_ID_PATTERN.test(value);
}

/** The button that asks for (or, pressed by a second approver, confirms) a force-unlock. */
export function forceUnlockButton(stack: string, lockId: string, label = 'Force-unlock'): Button {
  return {
    action: { command: 'infra force-unlock', args: [stack, lockId] },
    label,
    style: 'danger',
    confirm: `Remove Terraform's state lock ${lockId} of stack ${stack}? Only if no run holds it any more.`,
  };
}
