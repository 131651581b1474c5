import type { CheckInRequest } from '../../../../contracts/checkin.ts';

// sessionStorage is per tab and dies with it: enough for a refresh to re-enter on the same device,
// never shared with another browser.
const KEY = 'examgate.checkin';

export function rememberCheckIn(credentials: CheckInRequest): void {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

export function rememberedCheckIn(): CheckInRequest | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<CheckInRequest> | null;
    if (typeof value?.code === 'string' && typeof value.fullName === 'string') return { code: value.code, fullName: value.fullName };
  } catch {
    // A corrupt entry is the same as none.
  }
  return undefined;
}

export function forgetCheckIn(): void {
  sessionStorage.removeItem(KEY);
}
