import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import {
  ADMISSION_TOKEN_ALGORITHM,
  ADMISSION_TOKEN_ISSUER,
  ADMISSION_TOKEN_LIFETIME_S,
  ADMISSION_TOKEN_PARAM,
  type AdmissionClaims,
  admissionAudience,
} from '../../../contracts/admission-token.ts';
import { deviceFingerprint, deviceKeyKind } from '../../../contracts/lock-policy.ts';
import { recordKeyRotation } from '../audit/audit.repo.ts';
import { databaseNow, type Database, withTransaction } from '../lib/database.ts';
import type { Actor } from '../lib/http.ts';
import { type AdmissionKeyRow, insertKey, publishedKeys, retireKeysExcept } from './admission-keys.repo.ts';

// Each instance reads the keys at most this often; a key signs only once it has been published longer than
// that (and than the JWKS response may be cached), so no verifier meets a token whose key it cannot fetch.
const KEY_CACHE_MS = 10_000;
export const JWKS_MAX_AGE_S = 10;
export const SIGNS_AFTER_S = 60;
// A retired key stays published until every token it signed has expired, and a minute more.
const PUBLISHED_AFTER_RETIRING_S = ADMISSION_TOKEN_LIFETIME_S + 60;

interface KeyState {
  published: AdmissionKeyRow[];
  signing: AdmissionKeyRow;
  signingKey: Awaited<ReturnType<typeof importJWK>>;
}

export interface RotatedKeys {
  kid: string;
  signsAfterS: number;
  retiring: string[];
}

export interface Admission {
  sessionId: number;
  sessionName: string;
  continueUrl: string;
  code: string;
  lockedDevice: string | null;
  deviceLockedAt: Date;
  auditEvent: number;
}

async function newKey(): Promise<{ kid: string; privateJwk: string; publicJwk: string }> {
  const { privateKey, publicKey } = await generateKeyPair(ADMISSION_TOKEN_ALGORITHM, { extractable: true });
  const kid = randomBytes(8).toString('hex');
  return { kid, privateJwk: JSON.stringify(await exportJWK(privateKey)), publicJwk: JSON.stringify(await exportJWK(publicKey)) };
}

// The newest key published for longer than SIGNS_AFTER_S signs; when there is none such (a new deployment's
// first minute), the one published longest. `keys` is newest first.
function choose(keys: AdmissionKeyRow[], now: Date): AdmissionKeyRow | undefined {
  const live = keys.filter((key) => key.retiredAt === null || key.retiredAt > now);
  return live.find((key) => now.getTime() - key.createdAt.getTime() >= SIGNS_AFTER_S * 1000) ?? live.at(-1);
}

export class AdmissionTokens {
  #state: { loadedAt: number; state: Promise<KeyState> } | undefined;

  constructor(private readonly db: Database) {}

  async #load(): Promise<KeyState> {
    return this.db.read(async (handle) => {
      let { keys, now } = await publishedKeys(handle, PUBLISHED_AFTER_RETIRING_S);
      if (!choose(keys, now)) {
        // The first use: this instance makes the first key. Two instances doing so at once make two keys,
        // both published; the newer signs.
        await insertKey(handle, await newKey());
        ({ keys, now } = await publishedKeys(handle, PUBLISHED_AFTER_RETIRING_S));
      }
      const signing = choose(keys, now)!;
      return { published: keys, signing, signingKey: await importJWK(JSON.parse(signing.privateJwk) as JWK, ADMISSION_TOKEN_ALGORITHM) };
    });
  }

  #keys(): Promise<KeyState> {
    if (this.#state && performance.now() - this.#state.loadedAt < KEY_CACHE_MS) return this.#state.state;
    const state = this.#load();
    this.#state = { loadedAt: performance.now(), state };
    state.catch(() => {
      if (this.#state?.state === state) this.#state = undefined;
    });
    return state;
  }

  // The public keys, for /.well-known/jwks.json.
  async jwks(): Promise<{ keys: JWK[] }> {
    const { published } = await this.#keys();
    return { keys: published.map((key) => ({ ...(JSON.parse(key.publicJwk) as JWK), kid: key.kid, alg: ADMISSION_TOKEN_ALGORITHM, use: 'sig' })) };
  }

  // continueUrl with a fresh admission token for a participant the check-in just let in.
  async continueUrl(admission: Admission): Promise<string> {
    const { signing, signingKey } = await this.#keys();
    const claims: Omit<AdmissionClaims, 'iss' | 'aud' | 'sub' | 'iat' | 'exp' | 'jti'> = {
      session_id: admission.sessionId,
      session_name: admission.sessionName,
      device: deviceFingerprint(admission.lockedDevice),
      device_kind: admission.lockedDevice === null ? null : deviceKeyKind(admission.lockedDevice),
      checked_in_at: admission.deviceLockedAt.toISOString(),
      audit_event: admission.auditEvent,
      room: null,
      seat: null,
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ADMISSION_TOKEN_ALGORITHM, kid: signing.kid, typ: 'JWT' })
      .setIssuer(ADMISSION_TOKEN_ISSUER)
      .setAudience(admissionAudience(admission.sessionId))
      .setSubject(admission.code)
      .setIssuedAt()
      .setExpirationTime(`${ADMISSION_TOKEN_LIFETIME_S}s`)
      .setJti(randomUUID())
      .sign(signingKey);
    const url = new URL(admission.continueUrl);
    url.searchParams.set(ADMISSION_TOKEN_PARAM, token);
    return url.toString();
  }

  // A new key, published now and signing after SIGNS_AFTER_S; the keys it replaces sign until then and stay
  // published until their last tokens have expired.
  // One transaction with its audit row: who rotated, when, which key came and which go.
  async rotate(actor: Actor): Promise<RotatedKeys> {
    const key = await newKey();
    return withTransaction(this.db, async (tx) => {
      const retiring = (await publishedKeys(tx, 0)).keys.filter((old) => old.retiredAt === null).map((old) => old.kid);
      await insertKey(tx, key);
      await retireKeysExcept(tx, key.kid, SIGNS_AFTER_S);
      await recordKeyRotation(tx, { sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name }, { kid: key.kid, retiring, at: await databaseNow(tx) });
      return { kid: key.kid, signsAfterS: SIGNS_AFTER_S, retiring };
    });
  }

  async list(): Promise<{ kid: string; createdAt: Date; retiredAt: Date | null; signing: boolean }[]> {
    const { keys, now } = await this.db.read((handle) => publishedKeys(handle, PUBLISHED_AFTER_RETIRING_S));
    const signing = choose(keys, now);
    return keys.map((key) => ({ kid: key.kid, createdAt: key.createdAt, retiredAt: key.retiredAt, signing: key === signing }));
  }
}

