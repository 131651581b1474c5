import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { ParticipantCode } from '../../../contracts/checkin.ts';
import { DEVICE_CHALLENGE_PATH, type DeviceProof, type ProofPurpose, proofPayload } from '../../../contracts/device-proof.ts';
import { type HttpResponse, type RequestOptions, TestDevice } from './http-client.ts';

// A browser that keeps a key pair of its own, as the check-in page does with WebCrypto: it fetches a
// challenge and signs each check-in with its private key. Node's ECDSA P-256 with IEEE P1363 signatures is
// what WebCrypto produces, so the server cannot tell the two apart.
export class ProvenDevice extends TestDevice {
  readonly publicKey: DeviceProof['publicKey'];
  readonly #keys: { privateKey: KeyObject; publicKey: KeyObject };
  // A challenge handed out with the previous answer, used before fetching one.
  #nextChallenge: string | undefined;

  constructor(ip: string, keys = generateKeyPairSync('ec', { namedCurve: 'P-256' })) {
    super(ip);
    this.#keys = keys;
    const { x, y } = keys.publicKey.export({ format: 'jwk' });
    this.publicKey = { kty: 'EC', crv: 'P-256', x: x!, y: y! };
  }

  async challenge(baseUrl: string): Promise<string> {
    const handed = this.#nextChallenge;
    this.#nextChallenge = undefined;
    if (handed) return handed;
    const response = await this.send(`${baseUrl}${DEVICE_CHALLENGE_PATH}`);
    if (response.status !== 200) throw new Error(`challenge: ${response.status} ${response.text}`);
    return (response.json as { challenge: string }).challenge;
  }

  prove(purpose: ProofPurpose, challenge: string, credentials: { code: string; fullName: string }, publicKey = this.publicKey): DeviceProof {
    const payload = proofPayload(purpose, challenge, ParticipantCode.parse(credentials.code), credentials.fullName);
    return { publicKey, challenge, signature: sign('sha256', Buffer.from(payload), { key: this.#keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url') };
  }

  // The body of a signed check-in, for a test that sends it itself (a replay, a copy).
  async signedBody(baseUrl: string, credentials: { code: string; fullName: string }, purpose: ProofPurpose = 'check-in') {
    return { code: credentials.code, fullName: credentials.fullName, proof: this.prove(purpose, await this.challenge(baseUrl), credentials) };
  }

  override async checkIn(baseUrl: string, credentials: unknown): Promise<HttpResponse> {
    const response = await this.send(`${baseUrl}/api/check-in`, { json: await this.signedBody(baseUrl, credentials as { code: string; fullName: string }) });
    this.#nextChallenge = (response.json as { nextChallenge?: { challenge: string } } | undefined)?.nextChallenge?.challenge;
    return response;
  }

  async askForDeviceChange(baseUrl: string, credentials: { code: string; fullName: string }, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.send(`${baseUrl}/api/device-change-requests`, { ...options, json: await this.signedBody(baseUrl, credentials, 'device-change') });
  }

  // The same browser on another network: its key pair moves with it (and its cookie jar).
  override movedTo(ip: string): ProvenDevice {
    const moved = new ProvenDevice(ip, this.#keys);
    for (const [name, value] of this.cookies) moved.cookies.set(name, value);
    return moved;
  }
}
