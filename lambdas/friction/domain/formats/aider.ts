/**
 * Aider chat history (`.aider.chat.history.md`): Markdown appended to by every session in a project.
 *
 *   # aider chat started at 2024-08-05 19:33:32     one session per heading (local time, no zone)
 *   #### text                                        the user's turn (consecutive lines are one message)
 *   > text                                           aider's own output: files added or dropped, edits
 *                                                    applied, confirmations and answers, errors, ^C
 *   anything else                                    the model's reply
 *
 * Aider writes an interrupted reply after its `^C again to exit`: a ^C between a request and the
 * token report that closes a reply is an interrupted request; a ^C at the prompt is not.
 */
import type { Session } from '#friction/domain/session';
import { SessionBuilder, stem, type TranscriptSource } from './common.ts';

const HEADER = /^# aider chat started at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s*$/;

export function looksLikeAider(text: string): boolean {
  return /^# aider chat started at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s*$/m.test(text.slice(0, 200_000));
}

/** Generated text aider writes in the user's turn: help questions with their docs, lint reports. */
const GENERATED = /^# (Question:|Relevant docs:|Announcement lines|Fix any errors below|Running:)/;

/** `Question? y`, `Question? (y/n/instructions): n`. */
/** Lines aider prints after every reply, whatever the reply left open. */
const AIDER_REPORT = /^> (Tokens: |Applied edit to |The LLM did not conform|\^C |Unexpected error|Commit [0-9a-f]{7} )/;

const CONFIRM = /^(.*\?)\s*(?:\([^)]*\):?\s*)?(y|n|yes|no|a|all|s|skip|d|don't ask again|skip all)\s*$/i;

/** Error lines aider prints when the model provider fails (not source code that mentions them). */
const PROVIDER_ERROR =
  /^(Unexpected error:|litellm\.\w*(Error|Exception)\b|(\w+\.)*\w*(APIConnection|InternalServer|RateLimit|ServiceUnavailable|Timeout|BadRequest|Authentication)Error:|Retrying in \d|.*\boverloaded_error\b)/;

export function parseAider(source: TranscriptSource): Session[] {
  const lines = source.text.split('\n');
  const sessions: Session[] = [];
  let start = -1;
  let startedAt: string | undefined;
  const flush = (end: number) => {
    if (start < 0 && end === 0) return;
    const session = parseOne(source, lines, Math.max(start, 0), end, startedAt, sessions.length);
    if (session && session.events.length > 0) sessions.push(session);
  };
  for (let i = 0; i < lines.length; i++) {
    const m = HEADER.exec(lines[i] as string);
    if (!m) continue;
    if (start >= 0 || i > 0) flush(i);
    start = i + 1;
    startedAt = (m[1] as string).replace(' ', 'T');
  }
  flush(lines.length);
  return sessions;
}

interface State {
  /** A request was sent and its reply has not closed yet. */
  awaitingReply: boolean;
  /** The current user-initiated command whose output follows (/run, /test, /lint…). */
  commandOutput: boolean;
  /** The last /ask-style command's text, to skip aider's echo of it. */
  echo?: string;
  /** Errors are one event per `>` block. */
  blockHasError: boolean;
  blockHasRefusal: boolean;
  blockHasUnknownModel: boolean;
  blockHasLintRun: boolean;
}

function parseOne(
  source: TranscriptSource,
  lines: readonly string[],
  from: number,
  to: number,
  startedAt: string | undefined,
  index: number,
) {
  const id = `aider:${stem(source.name)}:${startedAt ?? 'before-first-session'}:${index}`;
  const b = new SessionBuilder({ id, format: 'aider', ...(startedAt ? { startedAt } : {}) });
  const st: State = {
    awaitingReply: false,
    commandOutput: false,
    blockHasError: false,
    blockHasRefusal: false,
    blockHasUnknownModel: false,
    blockHasLintRun: false,
  };
  let user: string[] | undefined;
  let reply: string[] | undefined;
  let fenced = false;

  const endUser = () => {
    if (!user) return;
    userMessage(b, st, user.join('\n'));
    user = undefined;
  };
  const endReply = () => {
    if (!reply) return;
    const text = reply.join('\n').trim();
    const tail = b.tail;
    if (text && tail?.type === 'interrupt' && tail.during === 'response') {
      // Aider logs an interrupted reply after its ^C: the reply came first.
      b.events.splice(b.events.length - 1, 0, { type: 'assistant', text });
    } else if (text) b.push({ type: 'assistant', text });
    reply = undefined;
    fenced = false;
  };
  const endBlock = () => {
    st.blockHasError = false;
    st.blockHasRefusal = false;
    st.blockHasUnknownModel = false;
    st.blockHasLintRun = false;
  };

  for (let i = from; i < to; i++) {
    const raw = lines[i] as string;
    const line = raw.replace(/\s+$/, '');
    // Inside a code block of a reply, until it closes; aider's own report lines end a block the model left open.
    if (reply && fenced && !line.startsWith('#### ') && !AIDER_REPORT.test(line)) {
      if (/^\s*(```|~~~)\s*$/.test(line)) fenced = false;
      reply.push(line);
      continue;
    }
    if (line.startsWith('####')) {
      endReply();
      endBlock();
      user ??= [];
      user.push(line.replace(/^####\s?/, ''));
      continue;
    }
    endUser();
    if (line === '>' || line.startsWith('> ')) {
      endReply();
      output(b, st, line.slice(2).trim());
      continue;
    }
    if (line.trim() === '') {
      if (reply) reply.push('');
      continue;
    }
    // The model's reply (or, rarely, other plain output).
    endBlock();
    st.commandOutput = false;
    reply ??= [];
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    reply.push(line);
  }
  endUser();
  endReply();
  return b.build();
}

function userMessage(b: SessionBuilder, st: State, text: string): void {
  const trimmed = text.trim();
  // Aider logs an empty input line as <blank>.
  if (!trimmed || trimmed === '<blank>') return;
  if (st.echo !== undefined && trimmed === st.echo) {
    st.echo = undefined;
    return;
  }
  st.echo = undefined;
  st.commandOutput = false;
  if (GENERATED.test(trimmed)) {
    b.push({ type: 'user', text: trimmed, generated: true });
    return;
  }
  const cmd = /^\/([a-z][\w-]*)\b\s*([\s\S]*)$/i.exec(trimmed);
  if (cmd) {
    const name = (cmd[1] as string).toLowerCase();
    const args = (cmd[2] as string).trim();
    b.push({ type: 'user', text: args, command: name });
    if (/^(ask|code|architect|help|chat-mode)$/.test(name) && args) {
      st.echo = args;
      st.awaitingReply = true;
    }
    st.commandOutput = /^(run|test|lint|git|web|ls|tokens?|tok|diff|map|settings|models?|voice|clip|paste|add-clipboard-image)$/.test(name);
    return;
  }
  b.push({ type: 'user', text: trimmed });
  st.awaitingReply = true;
}

function output(b: SessionBuilder, st: State, text: string): void {
  // Empty lines, and code listings of lint reports ("23│ code", "22█ code").
  if (text === '' || /^\s*(\d+|\.\.\.)?[│█⋮]/.test(text)) return;
  if (text.startsWith('^C again to exit')) {
    b.push({ type: 'interrupt', during: st.awaitingReply ? 'response' : 'idle' });
    st.awaitingReply = false;
    return;
  }
  if (text.startsWith('^C KeyboardInterrupt')) {
    // Quitting while a reply was in flight interrupts that request too.
    if (st.awaitingReply) b.push({ type: 'interrupt', during: 'response' });
    st.awaitingReply = false;
    return;
  }
  if (/^Tokens: [\d,.]+k? sent/.test(text)) {
    st.awaitingReply = false;
    return;
  }
  const added = /^Added (.+?) to the chat\.?$/.exec(text);
  if (added) {
    b.push({ type: 'context', action: 'add', path: added[1] as string });
    return;
  }
  const removed = /^Removed (.+?) from the chat\.?$/.exec(text);
  if (removed) {
    b.push({ type: 'context', action: 'remove', path: removed[1] as string });
    return;
  }
  const applied = /^Applied edit to (.+)$/.exec(text);
  if (applied) {
    b.push({ type: 'tool-call', category: 'edit', paths: [applied[1] as string] });
    b.push({ type: 'tool-result', status: 'ok' });
    st.awaitingReply = false;
    return;
  }
  if (
    /^(The LLM did not conform to the edit format|# \d+ SEARCH\/REPLACE blocks? failed to match|Malformed response|Did not apply edit(?!.*--dry-run))/.test(
      text,
    )
  ) {
    if (!st.blockHasRefusal) {
      b.push({ type: 'tool-call', category: 'edit', paths: [] });
      b.push({ type: 'tool-result', status: 'refused' });
      st.blockHasRefusal = true;
    }
    // Aider sends the failure back to the model by itself: a reply is in flight again.
    st.awaitingReply = true;
    return;
  }
  if (/^## Running: .*lint/i.test(text) || /^Running: .*lint/i.test(text)) {
    if (!st.blockHasLintRun) {
      b.push({ type: 'tool-call', category: 'shell', paths: [] });
      st.blockHasLintRun = true;
    }
    return;
  }
  if (/^No files matched/.test(text) || /is not in the chat|^Unable to (read|find)/.test(text)) {
    b.push({ type: 'unrecognized', what: 'file' });
    return;
  }
  const confirm = CONFIRM.exec(text);
  if (confirm) {
    const question = confirm[1] as string;
    const answer = /^(y|yes|a|all)$/i.test(confirm[2] as string) ? 'yes' : 'no';
    const subject = /fix (lint|test) errors|Fix lint errors/i.test(question)
      ? 'fix'
      : /^(Run|Execute) /i.test(question)
        ? 'command'
        : /^Add https?:/i.test(question)
          ? 'url'
          : /^Add (?!the output\b).* to the chat\?|^Add file/i.test(question)
            ? 'file'
            : /(Allow creation|Create new file|Apply (the )?edit)/i.test(question)
              ? 'edit'
              : 'other';
    b.push({ type: 'confirm', subject, answer });
    // Letting aider fix lint or test errors, or adding a command's output, sends them to the model.
    if (answer === 'yes' && (subject === 'fix' || /output to the chat/i.test(question))) st.awaitingReply = true;
    st.commandOutput = false;
    return;
  }
  if (/^(Invalid command|Ambiguous command)/.test(text)) {
    b.push({ type: 'unrecognized', what: 'command' });
    return;
  }
  if (/^Did you mean one of these\?|^Unknown model\b/.test(text)) {
    if (!st.blockHasUnknownModel) {
      b.push({ type: 'unrecognized', what: 'model' });
      st.blockHasUnknownModel = true;
    }
    return;
  }
  if (st.commandOutput) return;
  if (PROVIDER_ERROR.test(text) || /^Traceback \(most recent call last\)/.test(text)) {
    if (!st.blockHasError) {
      b.push({ type: 'error', source: PROVIDER_ERROR.test(text) ? 'provider' : 'agent' });
      st.blockHasError = true;
    }
    // The error ended the request: a ^C after it is at the prompt.
    st.awaitingReply = false;
  }
}
