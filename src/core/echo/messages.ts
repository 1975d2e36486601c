/** Wire messages of the echo protocol: pings and pongs on datagrams, notes on the reliable channel. */
import type { Micros } from '../env.ts';

export interface EchoPing {
  readonly type: 'echo.ping';
  readonly seq: number;
  /** Sender's local time when sent; echoed back so the sender measures the round trip on its own clock. */
  readonly sentUs: Micros;
}

export interface EchoPong {
  readonly type: 'echo.pong';
  readonly seq: number;
  readonly sentUs: Micros;
}

/** Sent reliably: within one boot of the sender, notes arrive in order and never twice. */
export interface EchoNote {
  readonly type: 'echo.note';
  readonly boot: number;
  readonly seq: number;
}

export type EchoMessage = EchoPing | EchoPong | EchoNote;
