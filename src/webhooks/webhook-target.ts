import type { LookupFunction } from 'node:net';
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import type { AppMode } from '../applications/application.model';

/** Loopback, private, link-local, shared, reserved and multicast space: never a production webhook target. */
const forbidden = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and IPv4-compatible
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), which is what a connection would reach. */
function embeddedIpv4(v6: string): string | null {
  const groups = expandIpv6(v6);
  if (!groups) return null;
  const hex = (a: number, b: number) => `${groups[a] >> 8}.${groups[a] & 255}.${groups[b] >> 8}.${groups[b] & 255}`;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return hex(6, 7);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return hex(6, 7);
  if (groups[0] === 0x2002) return hex(1, 2);
  return null;
}

function expandIpv6(v6: string): number[] | null {
  let text = v6.toLowerCase().split('%')[0];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = parse(head);
  const t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbidden.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(address);
  if (v4 && forbidden.check(v4, 'ipv4')) return true;
  return forbidden.check(address.split('%')[0], 'ipv6');
}

/** Host part of a URL without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** A refusal that retrying cannot change (wrong scheme, forbidden address). */
export class RefusedTarget extends Error {}

/**
 * Why `url` may not be registered for an application in `mode`, or null. Only what is certain
 * without DNS: names can change what they resolve to, so delivery checks again.
 */
export function registrationProblem(url: URL, mode: AppMode): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'may not contain credentials';
  if (mode === 'sandbox') return null;
  if (url.protocol !== 'https:') return 'must use https for a production application';
  const host = hostOf(url).toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isForbiddenAddress(host))) {
    return 'may not point at a loopback, private or link-local address in a production application';
  }
  return null;
}

export interface Target {
  /** For the request: always answers with the address that was checked, so DNS cannot change it between check and connect. */
  lookup?: LookupFunction;
}

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;
const systemResolve: Resolve = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Production: https only, every address the name resolves to must be public (one bad address
 * refuses the delivery), and the connection goes to the first checked address. Sandbox: anything.
 */
export async function checkTarget(url: URL, mode: AppMode, resolve: Resolve = systemResolve): Promise<Target> {
  if (mode === 'sandbox') return {};
  if (url.protocol !== 'https:') throw new RefusedTarget('refused: production endpoints must use https');
  const host = hostOf(url);
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  if (!addresses.length) throw new Error(`${host} did not resolve`);
  const bad = addresses.find((a) => isForbiddenAddress(a.address));
  if (bad) throw new RefusedTarget(`refused: ${host} resolves to ${bad.address}, a loopback, private or link-local address`);
  const { address, family } = addresses[0];
  const lookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as unknown as LookupFunction;
  return { lookup };
}
