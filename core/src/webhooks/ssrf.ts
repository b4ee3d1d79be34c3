import dns from 'node:dns';
import net from 'node:net';
import { invalid } from '../model/errors';
import type { WebhookSettings } from './settings';

/**
 * Addresses a webhook may not reach unless private addresses are allowed: what Python's
 * `ipaddress` calls non-global (loopback, private, shared, link-local, documentation, benchmark,
 * reserved, unspecified, unique-local, discard, IETF-protocol), and multicast besides.
 */
const NON_PUBLIC = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (which may end in a dotted IPv4 part). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0] as string;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = (dotted[1] as string).split('.').map(Number) as [
      number,
      number,
      number,
      number,
    ];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

const ipv4Of = (high: number, low: number): string =>
  [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');

/**
 * The IPv4 address an IPv6 transition address carries (IPv4-mapped `::ffff:0:0/96`, 6to4
 * `2002::/16`, NAT64 `64:ff9b::/96`), so that a wrapped private address is judged as itself.
 */
function embeddedIpv4(groups: number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return ipv4Of(g6, g7);
  }
  if (g0 === 0x2002) return ipv4Of(g1 ?? 0, g2 ?? 0);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return ipv4Of(g6, g7);
  }
  return undefined;
}

/** Whether an IP address (v4 or v6) is public, judging IPv6 transition forms by their IPv4. */
export function isPublicAddress(address: string): boolean {
  const kind = net.isIP(address);
  if (kind === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (kind !== 6) return false;
  const embedded = embeddedIpv4(ipv6Groups(address));
  if (embedded) return !NON_PUBLIC.check(embedded, 'ipv4');
  return !NON_PUBLIC.check(address.split('%')[0] as string, 'ipv6');
}

/** Resolves a host name to all of its addresses. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

const quoted = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Checks a webhook URL as MLflow does before storing it and before each delivery: a scheme of
 * the allowed ones, a host, and (unless private addresses are allowed) every address the host
 * resolves to public. IP literals are judged in the form the URL parser gives them
 * (`127.1`, `0x7f.1` and `[::ffff:127.0.0.1]` are all 127.0.0.1), the form that is dialled.
 * @throws SextantError INVALID_PARAMETER_VALUE with the reason.
 */
export async function checkWebhookUrl(
  url: unknown,
  settings: Pick<WebhookSettings, 'allowedSchemes' | 'allowPrivateIps'>,
  resolve: Resolver = systemResolver,
): Promise<URL> {
  if (typeof url !== 'string') {
    throw invalid(`Webhook URL must be a string, got '${typeof url}'`);
  }
  if (!url.trim()) throw invalid(`Webhook URL cannot be empty or just whitespace: ${quoted(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw invalid(`Invalid webhook URL ${quoted(url)}: ${(error as Error).message}`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!settings.allowedSchemes.includes(scheme)) {
    throw invalid(
      `Invalid webhook URL scheme: ${quoted(scheme)}. Allowed schemes are: ${settings.allowedSchemes.join(', ')}.`,
    );
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw invalid(`Webhook URL must include a hostname: ${quoted(url)}`);
  if (settings.allowPrivateIps) return parsed;
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : await resolve(host);
  } catch (error) {
    throw invalid(
      `Cannot resolve Webhook URL hostname ${quoted(host)}: ${(error as Error).message}`,
    );
  }
  if (addresses.length === 0) {
    throw invalid(`Cannot resolve Webhook URL hostname ${quoted(host)}: no address`);
  }
  for (const address of addresses) {
    if (!isPublicAddress(address)) {
      throw invalid(
        `Webhook URL must not resolve to a non-public IP address. ${quoted(host)} resolves to ${address}.`,
      );
    }
  }
  return parsed;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for the delivery's socket that refuses non-public addresses at connect time, so a
 * host that resolved to a public address when checked cannot be re-resolved (DNS rebinding) to
 * a private one when dialled.
 */
export function publicOnlyLookup(
  hostname: string,
  options: dns.LookupOptions,
  callback: LookupCallback,
): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => !isPublicAddress(a.address));
    if (blocked || addresses.length === 0) {
      const refused: NodeJS.ErrnoException = new Error(
        `Webhook connection blocked: ${blocked?.address ?? hostname} is not a public IP address.`,
      );
      refused.code = 'ESSRF';
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as dns.LookupAddress;
    return callback(null, first.address, first.family);
  });
}
