import { RsConfigError } from '../config/config-error.js';

// Each part in decimal without a leading zero: `010` is 10 to some readers and 8 (octal) to others, such as
// inet_aton, so an address written so has no one meaning (RFC 6943 §3.1.1) and is no address here.
const IPV4_PART = '(0|[1-9]\\d{0,2})';
const IPV4 = new RegExp(`^${IPV4_PART}\\.${IPV4_PART}\\.${IPV4_PART}\\.${IPV4_PART}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
// The prefix of ::ffff:0:0/96, the IPv4-mapped addresses (RFC 4291 §2.5.5.2).
const IPV4_MAPPED_BITS = 96;
// What `.` of a regular expression does not match: the zone and leading-zero rules below were once
// written as such patterns, and keep refusing what they refused.
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/**
 * An IP address as bytes: 4 for IPv4, 16 for IPv6. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, how
 * a dual-stack Node socket reports IPv4 peers) becomes its IPv4 form, and an IPv6 zone (`%eth0`) is
 * dropped, so each address has one form to compare. `undefined` for anything else.
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return v4;
  const v6 = parseIpv6(withoutZone(text));
  if (v6 === undefined) return undefined;
  const mapped = v6.subarray(0, 10).every((byte) => byte === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

/** A set of addresses and CIDR ranges, checked at start-up. */
export interface AddressMatcher {
  matches(address: string | undefined): boolean;
}

/**
 * Builds an {@link AddressMatcher} from `10.0.0.7`, `10.0.0.0/8`, `::1`, `fd00::/8` … An IPv4-mapped
 * range (`::ffff:10.0.0.0/104`) is the IPv4 range of its prefix minus 96 (`10.0.0.0/8`), matching those
 * addresses in either spelling, as {@link parseIpAddress} reads a mapped address as IPv4. A prefix under
 * 96 over a mapped address would also span IPv6 addresses outside `::ffff:0:0/96` and is refused: write
 * such a range in IPv6.
 *
 * Refused too, as Python's `ip_network(strict=True)` refuses them: a range with host bits set
 * (`192.168.1.10/24`: the network `192.168.1.0/24`, or the one address, was meant), named with its
 * network address; and a range of every address (`0.0.0.0/0`, `::/0`, `::ffff:0:0/96`), which trusts
 * the whole Internet where a list was given to narrow it. So is a range wider than any network of
 * proxies (under /8 in IPv4, /7 in IPv6: `0.0.0.0/1` and `128.0.0.0/1` are every address in two), and the
 * unspecified address (`0.0.0.0`, `::`), which is what a server binds to, never a peer's.
 */
export function addressMatcher(entries: readonly string[], option: string): AddressMatcher {
  if (!Array.isArray(entries))
    throw new RsConfigError(option, 'must be an array of addresses or CIDR ranges');
  const ranges = entries.map((entry) => {
    const [address, prefix, extra] = typeof entry === 'string' ? entry.split('/') : [];
    const bytes = address === undefined ? undefined : parseIpAddress(address);
    // An IPv4-mapped address (IPv6 text read as IPv4 bytes) has its prefix counted in IPv6 bits.
    const mapped = bytes?.length === 4 && address!.includes(':');
    const bits =
      prefix === undefined ? (bytes?.length ?? 0) * 8 : Number(prefix) - (mapped ? IPV4_MAPPED_BITS : 0);
    const badPrefix = prefix !== undefined && !/^\d{1,3}$/.test(prefix);
    if (mapped && !badPrefix && extra === undefined && bits < 0) {
      throw new RsConfigError(
        option,
        `"${entry}" is an IPv4-mapped address with a prefix under /${IPV4_MAPPED_BITS}, which would also ` +
          `span IPv6 addresses: write the range in IPv4 (10.0.0.0/8), mapped with a prefix from ` +
          `${IPV4_MAPPED_BITS} to 128 (::ffff:10.0.0.0/104), or in IPv6`,
      );
    }
    if (bytes === undefined && address !== undefined && hasLeadingZeroPart(address)) {
      throw new RsConfigError(
        option,
        `"${entry}" has an IPv4 part with a leading zero, read as decimal by some and octal by others ` +
          '(RFC 6943 §3.1.1): write it without',
      );
    }
    if (bytes === undefined || extra !== undefined || badPrefix || bits > bytes.length * 8) {
      throw new RsConfigError(option, `"${String(entry)}" is not an IP address or CIDR range`);
    }
    if (bits === 0) {
      throw new RsConfigError(
        option,
        `"${entry}" is a range of every ${bytes.length === 4 ? 'IPv4' : 'IPv6'} address: list the ` +
          'proxies, or leave the option out when only the proxy can reach the service',
      );
    }
    if (bits < widestProxyNetwork(bytes)) {
      throw new RsConfigError(
        option,
        `"${entry}" spans public addresses far beyond any network of proxies: the widest is a /8 in IPv4 ` +
          '(10.0.0.0/8) and a /7 in IPv6 (fc00::/7); list the proxies, or their network',
      );
    }
    if (bits === bytes.length * 8 && bytes.every((byte) => byte === 0)) {
      throw new RsConfigError(
        option,
        `"${entry}" is the unspecified address, which no peer has (a server binds to it to listen on every ` +
          'address; it trusts no one here): list the proxies, or leave the option out when only the proxy ' +
          'can reach the service',
      );
    }
    const network = networkAddress(bytes, bits);
    if (!network.every((byte, i) => byte === bytes[i])) {
      // The prefix as written, over the network in the entry's own spelling (IPv4, mapped or IPv6).
      const written = mapped ? `::ffff:${formatIpv4(network)}` : formatIpAddress(network);
      throw new RsConfigError(
        option,
        `"${entry}" has host bits set, so which was meant is unclear: write the network ` +
          `${written}/${prefix}, or the one address without a prefix`,
      );
    }
    return { bytes, bits };
  });
  return {
    matches(address) {
      const bytes = address === undefined ? undefined : parseIpAddress(address);
      return bytes !== undefined && ranges.some((range) => inRange(bytes, range.bytes, range.bits));
    },
  };
}

/**
 * The shortest prefix a network of proxies has: 8 bits in IPv4 (`10.0.0.0/8`, the widest private
 * network) and 7 in IPv6 (`fc00::/7`, the unique local addresses). A wider range holds public addresses
 * by the hundred million (`0.0.0.0/1` and `128.0.0.0/1` together are every address), no proxy list.
 */
function widestProxyNetwork(bytes: Uint8Array): number {
  return bytes.length === 4 ? 8 : 7;
}

/** `address` with every bit after the first `bits` cleared: the network of the range. */
function networkAddress(address: Uint8Array, bits: number): Uint8Array {
  return address.map((byte, i) => {
    const kept = Math.min(Math.max(bits - i * 8, 0), 8);
    return byte & ((0xff << (8 - kept)) & 0xff);
  });
}

/** The text of 4 or 16 address bytes: dotted IPv4, or IPv6 as RFC 5952 §4 writes it (`fd00::`). */
function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIpv4(bytes);
  const words = Array.from({ length: 8 }, (_, i) => (bytes[i * 2]! << 8) | bytes[i * 2 + 1]!);
  // The longest run of two or more zero words, the first of equal ones, becomes `::`.
  let [start, length] = [-1, 1];
  for (let i = 0; i < 8; i++) {
    let end = i;
    while (end < 8 && words[end] === 0) end++;
    if (end - i > length) [start, length] = [i, end - i];
  }
  const hex = (part: number[]) => part.map((word) => word.toString(16)).join(':');
  if (start === -1) return hex(words);
  return `${hex(words.slice(0, start))}::${hex(words.slice(start + length))}`;
}

function formatIpv4(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

function inRange(address: Uint8Array, network: Uint8Array, bits: number): boolean {
  if (address.length !== network.length) return false;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== network[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[whole]! & mask) === (network[whole]! & mask);
}

/**
 * `text` without its IPv6 zone (`%eth0`): from its first `%` on. Text with a line terminator is kept
 * whole and so parses as no address, as under `/%.*$/`, whose `.*` stops at one. By hand: that pattern
 * retried `.*` from every `%`, quadratic in a text of many (a peer address is checked on every request).
 */
function withoutZone(text: string): string {
  const zone = text.indexOf('%');
  return zone === -1 || LINE_TERMINATOR.test(text) ? text : text.slice(0, zone);
}

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= '0' && character <= '9';
}

/**
 * Whether `address` is, or ends with, a dotted IPv4 form (alone or the tail of an IPv6 one) with a part of
 * a leading zero and another digit (`010.0.0.1`, `::ffff:10.0.0.01`): why it failed to parse, named in the
 * message. The same language as `/^(?=.*\.)(?:.*[.:])?0\d[\d.]*$/`, scanned by hand: that pattern
 * retried its tail after every `.` and `:`, quadratic in the length of the address.
 */
function hasLeadingZeroPart(address: string): boolean {
  if (!address.includes('.') || LINE_TERMINATOR.test(address)) return false;
  // The dotted tail: the longest end of digits and dots, where a part with a leading zero must stand.
  let tail = address.length;
  while (tail > 0 && (address[tail - 1] === '.' || isDigit(address[tail - 1]))) tail--;
  for (let part = tail; part + 1 < address.length; part++) {
    const startsPart = part === 0 || address[part - 1] === '.' || address[part - 1] === ':';
    if (startsPart && address[part] === '0' && isDigit(address[part + 1])) return true;
  }
  return false;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const match = IPV4.exec(text);
  if (match === null) return undefined;
  const bytes = match.slice(1).map(Number);
  return bytes.every((byte) => byte <= 255) ? Uint8Array.from(bytes) : undefined;
}

function parseIpv6(text: string): Uint8Array | undefined {
  let groups = text;
  let v4Tail: Uint8Array | undefined;
  const lastColon = groups.lastIndexOf(':');
  if (lastColon !== -1 && groups.includes('.', lastColon)) {
    v4Tail = parseIpv4(groups.slice(lastColon + 1));
    if (v4Tail === undefined) return undefined;
    // The dotted tail fills the last two groups.
    groups = `${groups.slice(0, lastColon + 1)}0:0`;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 1 || halves[1] === '' ? [] : halves[1]!.split(':');
  const count = head.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const words = [...head, ...Array<string>(8 - count).fill('0'), ...tail];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!HEX_GROUP.test(words[i]!)) return undefined;
    const word = Number.parseInt(words[i]!, 16);
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  }
  if (v4Tail !== undefined) bytes.set(v4Tail, 12);
  return bytes;
}
