// The live feed's wire protocol (JSON text frames), shared by the server and the web app.
//
// server → client: welcome (on connect), snapshot (the whole picture, then events after its seq),
//   event (one bus event), heartbeat (every heartbeatMs, with the bus's last seq), error.
// client → server: resume, exactly once, right after welcome: `{type:"resume"}` for a fresh
//   snapshot, or `{type:"resume", since, epoch}` to get exactly the events after `since` (or a
//   snapshot when they are no longer kept, or the server restarted).
// Close codes: 4400 bad message, 4408 no resume in time, 4409 resume sent twice, 1009 message too
// big, 1001 server stopping; a failed upgrade is an HTTP 401/403/404/503 with a JSON body.
import { z } from 'zod';
import type { FeedEvent, ResyncReason } from '../../operator/decisions/index.ts';
import type { Access } from './auth.ts';
import type { Snapshot } from './snapshot.ts';

export const FEED_PATH = '/api/v1/feed';

export const ResumeMessageSchema = z.strictObject({
  type: z.literal('resume'),
  since: z.int().min(0).optional(),
  epoch: z.string().min(1).max(64).optional(),
  kinds: z.array(z.string().min(1).max(64)).min(1).max(16).optional(),
});
export const ClientMessageSchema = z.discriminatedUnion('type', [ResumeMessageSchema]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type SnapshotReason = 'initial' | ResyncReason;

export type ServerMessage =
  | { type: 'welcome'; protocol: string; epoch: string; lastSeq: number; access: Access; heartbeatMs: number }
  | { type: 'snapshot'; reason: SnapshotReason; epoch: string; seq: number; snapshot: Snapshot }
  | { type: 'event'; event: FeedEvent }
  | { type: 'heartbeat'; seq: number; time: string }
  | { type: 'error'; message: string };

export const CLOSE = {
  goingAway: 1001,
  tooBig: 1009,
  badMessage: 4400,
  noResume: 4408,
  resumeTwice: 4409,
} as const;
