import { describe, expect, it } from 'vitest';
import { personalDigest } from './audit-chain.ts';

const values = { sourceIp: '127.0.0.1', device: null, userAgent: null, submittedNameHash: null, lockedIpBefore: null, lockedIpAfter: null, lockedDeviceBefore: null, lockedDeviceAfter: null, reason: null, details: null };

describe('personalDigest', () => {
  it('when text holds a lone surrogate, then it is hashed as the database stores it (U+FFFD); whole emoji are kept', () => {
    expect(personalDigest({ ...values, userAgent: 'Browser \ud83d' })).toEqual(personalDigest({ ...values, userAgent: 'Browser \ufffd' }));
    expect(personalDigest({ ...values, userAgent: 'Browser \ud83d\ude00' })).not.toEqual(personalDigest({ ...values, userAgent: 'Browser \ufffd' }));
  });
});
