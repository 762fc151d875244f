import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One poll request as the transmitter received it, and when. */
export interface HeldPoll {
  readonly ack?: string[];
  readonly setErrs?: Record<string, { err: string; description: string }>;
  readonly maxEvents?: number;
  readonly returnImmediately?: boolean;
  /** `performance.now()` when it came in. */
  readonly arrivedAt: number;
  /** `performance.now()` when it was answered; unset while it is held, or when it never was. */
  answeredAt?: number;
}

/** A long-polling transmitter (RFC 8936) on loopback. */
export interface HoldingTransmitter {
  readonly endpoint: string;
  /** Every poll received, in order. */
  readonly polls: HeldPoll[];
  /** Queues a SET, handed out at once with the next poll until acknowledged or reported. */
  enqueue(jti: string, set: string): void;
  /** SETs not yet acknowledged nor reported. */
  pending(): string[];
  /** Whether polls asking for nothing (`maxEvents: 0`, the last acknowledgements) are answered from now on. */
  answerAcknowledgements(answer: boolean): void;
  close(): Promise<void>;
}

export interface HoldingTransmitterOptions {
  /**
   * How long a long poll (`returnImmediately: false`, `maxEvents` above 0) that finds no SET is held
   * before it is answered with none; `Infinity`: never answered, as a transmitter that hangs.
   */
  readonly hold: number;
  /** `false`: a poll asking for nothing (`maxEvents: 0`, the last acknowledgements) is never answered. */
  readonly answersAcknowledgements?: boolean;
}

/**
 * Starts a transmitter on 127.0.0.1 that holds long polls as RFC 8936 section 2.4 lets it, unlike
 * `startPollTransmitter` of `@rs/testkit`, which answers every poll at once.
 */
export async function startHoldingTransmitter(
  options: HoldingTransmitterOptions,
): Promise<HoldingTransmitter> {
  const queue = new Map<string, string>();
  const polls: HeldPoll[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let answersAcknowledgements = options.answersAcknowledgements !== false;
  const server: Server = createServer(async (request, response) => {
    const body = JSON.parse(await readBody(request)) as Omit<HeldPoll, 'arrivedAt'>;
    const poll: HeldPoll = { ...body, arrivedAt: performance.now() };
    polls.push(poll);
    for (const jti of body.ack ?? []) queue.delete(jti);
    for (const jti of Object.keys(body.setErrs ?? {})) queue.delete(jti);
    const maxEvents = body.maxEvents ?? queue.size;
    const answer = () => {
      const sets = Object.fromEntries([...queue].slice(0, maxEvents));
      poll.answeredAt = performance.now();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ sets, moreAvailable: queue.size > maxEvents }));
    };
    if (maxEvents === 0) {
      if (answersAcknowledgements) answer();
      return;
    }
    if (queue.size > 0 || body.returnImmediately === true) {
      answer();
      return;
    }
    if (options.hold === Number.POSITIVE_INFINITY) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!response.destroyed) answer();
    }, options.hold);
    timers.add(timer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ssf/poll`,
    polls,
    enqueue: (jti, set) => void queue.set(jti, set),
    pending: () => [...queue.keys()],
    answerAcknowledgements: (answer) => {
      answersAcknowledgements = answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}
