import { ParticipantCode } from '../../../../contracts/checkin.ts';
import {
  DEVICE_CHALLENGE_META,
  DEVICE_CHALLENGE_PATH,
  DEVICE_PROOF_ALGORITHM,
  DEVICE_PROOF_SIGNATURE,
  DeviceChallenge,
  type DeviceProof,
  type ProofPurpose,
  proofPayload,
} from '../../../../contracts/device-proof.ts';
import { ApiError, apiRequest } from '../../lib/api-client.ts';

// This browser's device key: a key pair whose private half the browser will not hand out (not to this
// page either), kept in IndexedDB so that it outlives the tab. A browser without WebCrypto (a page served
// over plain HTTP from a hall's LAN address is not a secure context), without IndexedDB, or that refuses
// to keep it (some private windows) checks in with the cookie key instead, and the dashboard says so.
const DATABASE = 'examgate';
const STORE = 'device-key';
const RECORD = 'current';
// A challenge this close to its end is not used: the request may take that long to arrive.
const CHALLENGE_MARGIN_MS = 30_000;

let keyPair: Promise<CryptoKeyPair | undefined> | undefined;
let challenge: { value: string; usableUntil: number } | undefined;
let challengeFetch: Promise<void> | undefined;

function openStore(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error ?? new Error('IndexedDB refused to open'));
  });
}

function inStore<T>(database: IDBDatabase, mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = act(database.transaction(STORE, mode).objectStore(STORE));
    request.onsuccess = () => resolve(request.result as T);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

async function loadOrCreateKeyPair(): Promise<CryptoKeyPair | undefined> {
  if (typeof indexedDB === 'undefined' || !globalThis.crypto?.subtle) return undefined;
  try {
    const database = await openStore();
    try {
      const kept = await inStore<CryptoKeyPair | undefined>(database, 'readonly', (store) => store.get(RECORD));
      // Anything else under the name (a copy of the store made by a tool, which cannot carry the keys
      // themselves) is replaced by a new pair: it is not this device's key.
      if (kept?.privateKey instanceof CryptoKey && kept.publicKey instanceof CryptoKey) return kept;
      const created = await crypto.subtle.generateKey(DEVICE_PROOF_ALGORITHM, false, ['sign', 'verify']);
      if (kept === undefined) {
        // `add`, not `put`: if another tab stored its pair in the meantime, that one is the device.
        const added = await inStore(database, 'readwrite', (store) => store.add(created, RECORD)).then(() => true, () => false);
        if (!added) return (await inStore<CryptoKeyPair | undefined>(database, 'readonly', (store) => store.get(RECORD))) ?? undefined;
      } else {
        await inStore(database, 'readwrite', (store) => store.put(created, RECORD));
      }
      return created;
    } finally {
      database.close();
    }
  } catch {
    return undefined;
  }
}

function deviceKeyPair(): Promise<CryptoKeyPair | undefined> {
  keyPair ??= loadOrCreateKeyPair();
  return keyPair;
}

// Challenges come ahead of the click: on page load, and with each signed answer.
export function keepChallenge(handed: DeviceChallenge | undefined): void {
  if (handed) challenge = { value: handed.challenge, usableUntil: Date.now() + handed.expiresInS * 1000 - CHALLENGE_MARGIN_MS };
}

function fetchChallenge(): Promise<void> {
  challengeFetch ??= apiRequest(DEVICE_CHALLENGE_PATH, DeviceChallenge)
    .then(keepChallenge)
    .finally(() => {
      challengeFetch = undefined;
    });
  return challengeFetch;
}

async function takeChallenge(): Promise<string> {
  if (!challenge) takeChallengeFromPage();
  if (!challenge || challenge.usableUntil <= Date.now()) await fetchChallenge();
  const taken = challenge?.value;
  challenge = undefined;
  if (taken === undefined) throw new ApiError(0, 'network', 'Could not get a challenge from the server. Check your connection and try again.');
  return taken;
}

// The challenge the server put in the page, taken once: a second use would be refused as a replay.
function takeChallengeFromPage(): void {
  const meta = document.querySelector<HTMLMetaElement>(`meta[name="${DEVICE_CHALLENGE_META}"]`);
  if (!meta) return;
  meta.remove();
  const expiresInS = Number(meta.dataset.expiresIn);
  if (meta.content && Number.isInteger(expiresInS) && expiresInS > 0) keepChallenge({ challenge: meta.content, expiresInS });
}

// Called when the check-in page opens, so that the key pair and a challenge are ready before the click.
export function prepareDeviceProof(): void {
  takeChallengeFromPage();
  void deviceKeyPair()
    .then((pair) => (pair && !challenge ? fetchChallenge() : undefined))
    .catch(() => undefined);
}

// undefined: this browser cannot prove a key of its own, and its request goes without (the cookie key).
async function proveDevice(purpose: ProofPurpose, credentials: { code: string; fullName: string }): Promise<DeviceProof | undefined> {
  const pair = await deviceKeyPair();
  if (!pair) return undefined;
  const code = ParticipantCode.safeParse(credentials.code);
  if (!code.success) return undefined;
  const signed = await takeChallenge();
  const { x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const payload = new TextEncoder().encode(proofPayload(purpose, signed, code.data, credentials.fullName));
  const signature = new Uint8Array(await crypto.subtle.sign(DEVICE_PROOF_SIGNATURE, pair.privateKey, payload));
  return { publicKey: { kty: 'EC', crv: 'P-256', x: x!, y: y! }, challenge: signed, signature: base64url(signature) };
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Sends a request signed by this browser's key (or, where it has none, without a proof). A challenge that
// went stale on the way (a page left open past its lifetime, a clock far off) is replaced once.
// The room code is not signed: it says where the participant is, not which device asks.
export async function sendSigned<T>(purpose: ProofPurpose, credentials: { code: string; fullName: string; roomCode?: string | undefined }, send: (body: object) => Promise<T>): Promise<T> {
  const { roomCode } = credentials;
  const attempt = async () => send({ code: credentials.code, fullName: credentials.fullName, ...(roomCode ? { roomCode } : {}), proof: await proveDevice(purpose, credentials) });
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'device_proof_stale') throw error;
    challenge = undefined;
    return attempt();
  }
}

