import { z } from 'zod';
import { JsonWebKeySet, JWKS_PATH } from '../../../contracts/admission-token.ts';
import { CodeParam, IdParam, SessionIdParam } from '../../../contracts/api-params.ts';
import { ApiEventsPage, ApiEventsQuery, ApiParticipants, type ApiTokenScope, RosterSyncAnswer, RosterSyncRequest } from '../../../contracts/api-tokens.ts';
import { CheckInRequest, CheckInResponse } from '../../../contracts/checkin.ts';
import { DEVICE_CHALLENGE_PATH, DeviceChallenge } from '../../../contracts/device-proof.ts';
import { ExamSessionAnswer, ExamSessionChange, ExamSessionList } from '../../../contracts/exam-session.ts';
import { LiveAnswer, NotReadyAnswer, ReadyAnswer } from '../../../contracts/health.ts';
import {
  ActionResponse,
  AddressUnthrottleRequest,
  AddressUnthrottleResponse,
  ApproveRequest,
  BulkActionResponse,
  BulkResetLockRequest,
  BulkStatusChangeRequest,
  DeclineRequest,
  DeviceChangeCreated,
  DeviceChangeStatus,
  EventsPage,
  EventsQuery,
  LoginRequest,
  LogoutResponse,
  ParticipantsQuery,
  ParticipantsResponse,
  ProctorSession,
  REQUEST_TOKEN_HEADER,
  RequestTokenHeader,
  ResetLockRequest,
  SessionsOverview,
  StatusChangeRequest,
  SummaryResponse,
  TransferLockRequest,
} from '../../../contracts/proctor.ts';
import { ArrivalCurve, ArrivalsQuery } from '../../../contracts/arrivals.ts';
import { AttendanceRecord, RecordQuery, SealSummary } from '../../../contracts/attendance-record.ts';
import { Incident, IncidentsQuery, IncidentsResponse, RecordIncidentRequest } from '../../../contracts/incidents.ts';
import { ReceiptLookup, ReceiptParams } from '../../../contracts/receipt.ts';
import { WebhooksQuery, WebhookSubscriptions } from '../../../contracts/webhooks.ts';
import { RoomsQuery, RoomsResponse, SeatChangeRequest } from '../../../contracts/rooms.ts';
import { RoomCodesResponse } from '../../../contracts/room-codes.ts';

export const OPENAPI_PATH = '/api/openapi.json';

// Who may call an operation: anyone (participants, load balancers, exam platforms), a proctor's console
// session (reads need the cookie; writes also the CSRF token), or an API token of the session with a scope.
export type Access = 'public' | 'proctor-read' | 'proctor-write' | { token: ApiTokenScope };

// A body that is not JSON: described by its media type alone.
export interface OtherContent {
  mediaType: string;
  description: string;
}

export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  // Express's syntax (`:name`), as the route is registered.
  path: string;
  tag: string;
  summary: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: Record<string, z.ZodType>;
  body?: z.ZodType;
  // The answers other than the error envelope, which every operation may give (see errorResponses).
  responses: Record<number, z.ZodType | OtherContent>;
}

const Anything = z.record(z.string(), z.unknown());

// Every route the app registers, and what it takes and answers. The routes parse with the same contracts,
// and server/test/openapi.test.ts fails when a registered route is missing here or an integration test's
// request or answer does not match.
export const apiOperations: readonly ApiOperation[] = [
  // Participants
  {
    method: 'post', path: '/api/check-in', tag: 'Check-in', access: 'public',
    summary: 'Check in with a participant code and full name; the first device holds the code',
    body: CheckInRequest, responses: { 200: CheckInResponse },
  },
  {
    method: 'get', path: DEVICE_CHALLENGE_PATH, tag: 'Check-in', access: 'public',
    summary: 'A single-use challenge for a signed check-in (proof of possession)',
    responses: { 200: DeviceChallenge },
  },
  {
    method: 'post', path: '/api/device-change-requests', tag: 'Check-in', access: 'public',
    summary: 'Ask a proctor to move the lock to this device',
    body: CheckInRequest, responses: { 201: DeviceChangeCreated },
  },
  {
    method: 'get', path: '/api/device-change-requests/:id', tag: 'Check-in', access: 'public',
    summary: 'Whether a device-change request was approved',
    params: IdParam, headers: { [REQUEST_TOKEN_HEADER]: RequestTokenHeader }, responses: { 200: DeviceChangeStatus },
  },
  // Exam platforms
  {
    method: 'get', path: JWKS_PATH, tag: 'Integration', access: 'public',
    summary: 'The public keys that verify admission tokens',
    responses: { 200: JsonWebKeySet },
  },
  {
    method: 'get', path: OPENAPI_PATH, tag: 'Integration', access: 'public',
    summary: 'This document',
    responses: { 200: Anything },
  },
  {
    method: 'put', path: '/api/sessions/:sessionId/roster', tag: 'Integration', access: { token: 'roster:write' },
    summary: 'Make the session\'s roster the one sent: adds, renames, withdraws the ones left out (history kept), reinstates; idempotent',
    params: SessionIdParam, body: RosterSyncRequest, responses: { 200: RosterSyncAnswer },
  },
  {
    method: 'get', path: '/api/sessions/:sessionId/participants', tag: 'Integration', access: { token: 'participants:read' },
    summary: "The session's participants: status, withdrawal, the device holding each code",
    params: SessionIdParam, responses: { 200: ApiParticipants },
  },
  {
    method: 'get', path: '/api/sessions/:sessionId/events', tag: 'Integration', access: { token: 'events:read' },
    summary: "The session's participant events in the order they happened, as webhooks deliver them, from a cursor",
    params: SessionIdParam, query: ApiEventsQuery, responses: { 200: ApiEventsPage },
  },
  // Operations
  { method: 'get', path: '/healthz', tag: 'Operations', access: 'public', summary: 'The process answers', responses: { 200: LiveAnswer } },
  {
    method: 'get', path: '/readyz', tag: 'Operations', access: 'public',
    summary: 'The instance can check people in: database reachable, migrated, and (on Galera) its node synced',
    responses: { 200: ReadyAnswer, 503: NotReadyAnswer },
  },
  {
    method: 'get', path: '/metrics', tag: 'Operations', access: 'public', summary: 'Prometheus metrics',
    responses: { 200: { mediaType: 'text/plain', description: 'Prometheus text exposition format' } },
  },
  // Proctor console
  { method: 'post', path: '/api/proctor/login', tag: 'Proctor session', access: 'public', summary: 'Log in; sets the session cookie', body: LoginRequest, responses: { 200: ProctorSession } },
  { method: 'get', path: '/api/proctor/session', tag: 'Proctor session', access: 'proctor-read', summary: 'Who is logged in, and the CSRF token', responses: { 200: ProctorSession } },
  { method: 'post', path: '/api/proctor/logout', tag: 'Proctor session', access: 'proctor-write', summary: 'Log out', responses: { 200: LogoutResponse } },
  { method: 'get', path: '/api/proctor/overview', tag: 'Exam sessions', access: 'proctor-read', summary: 'What needs a proctor in each exam session', responses: { 200: SessionsOverview } },
  { method: 'get', path: '/api/proctor/sessions', tag: 'Exam sessions', access: 'proctor-read', summary: "Every exam session's settings", responses: { 200: ExamSessionList } },
  { method: 'get', path: '/api/proctor/sessions/:id', tag: 'Exam sessions', access: 'proctor-read', summary: "An exam session's settings", params: IdParam, responses: { 200: ExamSessionAnswer } },
  {
    method: 'patch', path: '/api/proctor/sessions/:id', tag: 'Exam sessions', access: 'proctor-write',
    summary: "Change an exam session's settings (refused with stale_update when the version is not the latest)",
    params: IdParam, body: ExamSessionChange, responses: { 200: ExamSessionAnswer },
  },
  {
    method: 'get', path: '/api/proctor/participants', tag: 'Participants', access: 'proctor-read',
    summary: "An exam session's participants, or everyone who needs a proctor (?session=all)",
    query: ParticipantsQuery, responses: { 200: ParticipantsResponse },
  },
  { method: 'get', path: '/api/proctor/summary', tag: 'Participants', access: 'proctor-read', summary: 'Counters for an exam session', query: ParticipantsQuery, responses: { 200: SummaryResponse } },
  { method: 'get', path: '/api/proctor/events', tag: 'Audit log', access: 'proctor-read', summary: 'The audit log, newest first, a page at a time', query: EventsQuery, responses: { 200: EventsPage } },
  {
    method: 'get', path: '/api/proctor/events.csv', tag: 'Audit log', access: 'proctor-read', summary: 'The whole audit log as CSV',
    responses: { 200: { mediaType: 'text/csv', description: 'One row per audit event, oldest first' } },
  },
  {
    method: 'get', path: '/api/proctor/stream', tag: 'Audit log', access: 'proctor-read', summary: 'Audit events as they happen (Server-Sent Events; resumes from Last-Event-ID)',
    responses: { 200: { mediaType: 'text/event-stream', description: 'One `event` per audit event, its data a StreamEvent' } },
  },
  {
    method: 'get', path: '/api/proctor/incidents', tag: 'Participants', access: 'proctor-read',
    summary: "An exam session's incidents, oldest first, each with the later one that corrects it", query: IncidentsQuery, responses: { 200: IncidentsResponse },
  },
  {
    method: 'post', path: '/api/proctor/incidents', tag: 'Participants', access: 'proctor-write',
    summary: 'Record an incident for a participant or the whole session (append-only: a correction names the incident it corrects)',
    body: RecordIncidentRequest, responses: { 201: Incident },
  },
  {
    method: 'get', path: '/api/proctor/record', tag: 'Participants', access: 'proctor-read',
    summary: "An exam session's attendance record: every participant's check-in, device, lock changes and incidents, the no-shows, totals and the latest seal",
    query: RecordQuery, responses: { 200: AttendanceRecord },
  },
  {
    method: 'get', path: '/api/proctor/arrivals', tag: 'Participants', access: 'proctor-read',
    summary: 'The arrival curve: first check-ins, refusals and conflicts per minute, and the number expected', query: ArrivalsQuery, responses: { 200: ArrivalCurve },
  },
  {
    method: 'get', path: '/api/proctor/record.csv', tag: 'Participants', access: 'proctor-read',
    summary: 'The attendance record as CSV (formula-guarded)', query: RecordQuery,
    responses: { 200: { mediaType: 'text/csv', description: 'A row per participant, then one for the incidents about the whole session' } },
  },
  {
    method: 'post', path: '/api/proctor/seals', tag: 'Participants', access: 'proctor-write',
    summary: 'Seal the audit log now (the digest to print on the record and keep elsewhere)', responses: { 201: SealSummary },
  },
  {
    method: 'get', path: '/api/proctor/receipts/:receipt', tag: 'Participants', access: 'proctor-read',
    summary: 'The check-in a participant\'s receipt names, and whether it still holds the lock', params: ReceiptParams, responses: { 200: ReceiptLookup },
  },
  { method: 'get', path: '/api/proctor/webhooks', tag: 'Integration', access: 'proctor-read', summary: "An exam session's webhook subscriptions and their failures", query: WebhooksQuery, responses: { 200: WebhookSubscriptions } },
  ...(
    [
      ['reset-lock', 'Release the device lock', ResetLockRequest],
      ['transfer-lock', 'Move the device lock to a refused device', TransferLockRequest],
      ['expire', 'End the code: every device is refused', StatusChangeRequest],
      ['reopen', 'Take back an expiry', StatusChangeRequest],
      ['let-try-again', 'Let a throttled participant try again', StatusChangeRequest],
    ] as const
  ).map(([action, summary, body]): ApiOperation => ({
    method: 'post', path: `/api/proctor/participants/:code/${action}`, tag: 'Participants', access: 'proctor-write', summary, params: CodeParam, body, responses: { 200: ActionResponse },
  })),
  {
    method: 'post', path: '/api/proctor/participants/:code/seat', tag: 'Participants', access: 'proctor-write',
    summary: 'Move a participant to another room or seat, or free their seat', params: CodeParam, body: SeatChangeRequest, responses: { 200: ActionResponse },
  },
  {
    method: 'get', path: '/api/proctor/rooms', tag: 'Participants', access: 'proctor-read',
    summary: "An exam session's rooms, their seats and which are free", query: RoomsQuery, responses: { 200: RoomsResponse },
  },
  {
    method: 'get', path: '/api/proctor/rooms/codes', tag: 'Participants', access: 'proctor-read',
    summary: "The codes an exam session's rooms show now, when its participants type them with their check-in", query: RoomsQuery, responses: { 200: RoomCodesResponse },
  },
  {
    method: 'post', path: '/api/proctor/addresses/let-try-again', tag: 'Participants', access: 'proctor-write',
    summary: 'Let everyone at an address (an IPv6 /64) who failed too often try again',
    body: AddressUnthrottleRequest, responses: { 200: AddressUnthrottleResponse },
  },
  { method: 'post', path: '/api/proctor/bulk/reset-lock', tag: 'Participants', access: 'proctor-write', summary: 'Release several device locks at once', body: BulkResetLockRequest, responses: { 200: BulkActionResponse } },
  { method: 'post', path: '/api/proctor/bulk/expire', tag: 'Participants', access: 'proctor-write', summary: 'End several codes at once', body: BulkStatusChangeRequest, responses: { 200: BulkActionResponse } },
  { method: 'post', path: '/api/proctor/bulk/reopen', tag: 'Participants', access: 'proctor-write', summary: 'Take back several expiries at once', body: BulkStatusChangeRequest, responses: { 200: BulkActionResponse } },
  {
    method: 'post', path: '/api/proctor/device-change-requests/:id/approve', tag: 'Participants', access: 'proctor-write',
    summary: "Approve a device-change request: the lock moves to the requester's device",
    params: IdParam, body: ApproveRequest, responses: { 200: ActionResponse },
  },
  {
    method: 'post', path: '/api/proctor/device-change-requests/:id/decline', tag: 'Participants', access: 'proctor-write',
    summary: 'Decline a device-change request', params: IdParam, body: DeclineRequest, responses: { 200: ActionResponse },
  },
];
