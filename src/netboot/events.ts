// Everything the service reports; the CLI renders these as lines or JSON.
import type { ClientKind } from './clients.js';

export type NetbootEvent =
  | { type: 'machine'; mac: string; kind: ClientKind | 'unknown'; known: boolean; name?: string; piSerial?: string; piModel?: string; arch?: number; vendorClass?: string }
  | { type: 'dhcp'; message: 'offer' | 'ack' | 'nak' | 'proxy-offer' | 'proxy-ack'; mac: string; address?: string; name?: string; bootFile?: string; to: string }
  | { type: 'transfer-start'; proto: 'tftp' | 'http'; file: string; peer: string; size: number }
  | { type: 'transfer-progress'; proto: 'tftp' | 'http'; file: string; peer: string; bytes: number; size: number }
  | { type: 'transfer-done'; proto: 'tftp' | 'http'; file: string; peer: string; bytes: number; ms: number }
  | { type: 'transfer-probe'; proto: 'tftp'; file: string; peer: string }
  | { type: 'transfer-failed'; proto: 'tftp' | 'http'; file: string; peer: string; reason: string }
  | { type: 'file-missing'; proto: 'tftp' | 'http'; file: string; peer: string }
  | { type: 'refused'; proto: 'tftp' | 'http'; file: string; peer: string; reason: string }
  | { type: 'bad-packet'; proto: 'dhcp' | 'tftp'; peer: string; reason: string }
  | { type: 'listening'; proto: 'dhcp' | 'proxydhcp' | 'tftp' | 'http'; address: string; port: number }
  | { type: 'error'; message: string };

export type EventSink = (e: NetbootEvent) => void;
