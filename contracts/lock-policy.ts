// What a participant's device lock holds, per exam session (see README, "Lock policies").
export const lockPolicies = ['address', 'device', 'device_and_address'] as const;
export type LockPolicy = (typeof lockPolicies)[number];

// What a device key that already holds one participant's lock in a session meets when it checks in a
// second code of that session (a friend checking in absent classmates): refused; flagged, let in and shown to
// proctors as a conflict of its own kind (the default); or allowed (a device shared on purpose).
export const deviceSharingModes = ['refused', 'flagged', 'allowed'] as const;
export type DeviceSharing = (typeof deviceSharingModes)[number];

export interface DeviceRef {
  ip: string | null;
  // The hash of the device's key (its fingerprint on the dashboard); null: a lock taken without a key.
  device: string | null;
}

// A key bound to its browser (proof of possession, contracts/device-proof.ts) is named by this prefix and
// 30 hex digits of its public key's thumbprint; a cookie key by 32 hex digits. The two cannot be confused,
// and the kind travels with the name into every table, the audit log and the dashboard's fingerprints.
export const BOUND_KEY_PREFIX = 'pk';
export type DeviceKeyKind = 'bound' | 'cookie';
export function deviceKeyKind(deviceOrFingerprint: string): DeviceKeyKind {
  return deviceOrFingerprint.startsWith(BOUND_KEY_PREFIX) ? 'bound' : 'cookie';
}

// What proctors see of a device: enough to tell two devices behind one address apart at a glance, never
// enough to recover the key (it is cut from the key's hash).
export function deviceFingerprint(deviceHash: string): string;
export function deviceFingerprint(deviceHash: string | null): string | null;
export function deviceFingerprint(deviceHash: string | null): string | null {
  return deviceHash === null ? null : deviceHash.slice(0, 8);
}

// free: nobody holds the lock. holder: the attempt comes from the holder. holder_moved: from the holder
// at a new address (only under `device`). other: another device.
export type HolderMatch = 'free' | 'holder' | 'holder_moved' | 'other';

export function matchHolder(policy: LockPolicy, lock: DeviceRef, attempt: DeviceRef): HolderMatch {
  if (lock.ip === null && lock.device === null) return 'free';
  const sameAddress = lock.ip === attempt.ip;
  // A lock without a device (taken before device keys, or moved to a bare address) can only be held
  // by its address; the first device let in under it then binds it.
  if (lock.device === null || policy === 'address') return sameAddress ? 'holder' : 'other';
  const sameDevice = lock.device === attempt.device;
  if (policy === 'device') return sameDevice ? (sameAddress ? 'holder' : 'holder_moved') : 'other';
  return sameDevice && sameAddress ? 'holder' : 'other';
}
