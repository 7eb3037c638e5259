/** What the format adapters share: the result type, and a builder that keeps events in order. */
import { normalizedSession, type Session, type SessionEventInput, type SessionFormat, type SessionInput } from '#friction/domain/session';

export type ParsedTranscript =
  | { readonly ok: true; readonly format: SessionFormat; readonly sessions: Session[] }
  | { readonly ok: false; readonly reason: string; readonly format?: SessionFormat };

/** A transcript as it arrives: a name (file or object key, for messages and ids) and its text. */
export interface TranscriptSource {
  readonly name: string;
  readonly text: string;
}

export class CorruptTranscript extends Error {}

export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An ISO timestamp, or undefined (a malformed one is dropped rather than failing the session). */
export function timestamp(value: unknown): string | undefined {
  const s = str(value);
  if (!s) return undefined;
  const iso = s.includes('T') ? s : s.replace(' ', 'T');
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(iso) ? iso : undefined;
}

/** JSON Lines: every non-empty line must be a JSON object, or the transcript is corrupt. */
export function jsonLines(text: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CorruptTranscript(`line ${i + 1} is not JSON${i === lines.length - 1 || i === lines.length - 2 ? ' (truncated?)' : ''}`);
    }
    const row = record(value);
    if (!row) throw new CorruptTranscript(`line ${i + 1} is not a JSON object`);
    rows.push(row);
  }
  return rows;
}

/** Collects a session's events; `build` validates the result against the model. */
export class SessionBuilder {
  readonly events: SessionEventInput[] = [];
  constructor(private readonly base: Omit<SessionInput, 'events'>) {}

  push(event: SessionEventInput): void {
    this.events.push(event);
  }

  /** The most recent event, if any. */
  get tail(): SessionEventInput | undefined {
    return this.events[this.events.length - 1];
  }

  build(overrides: Partial<Omit<SessionInput, 'events'>> = {}): Session {
    return normalizedSession({ ...this.base, ...overrides, events: this.events });
  }
}

/** A name safe to use inside an id: the last path segment, without characters ids avoid. */
export function stem(name: string): string {
  return (name.split(/[\\/]/).pop() ?? name).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_.-]/g, '_') || 'transcript';
}
