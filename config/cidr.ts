/**
 * IPv4 address, CIDR and range maths for config validation. Pure and dependency-free so that
 * every rule about addresses lives here and is tested directly.
 */

/** An inclusive range of IPv4 addresses held as unsigned 32-bit integers. */
export interface Ipv4Range {
    first: number;
    last: number;
}

/** A parsed CIDR block. */
export interface Cidr extends Ipv4Range {
    /** The text as written, e.g. "10.96.0.0/16". */
    text: string;
    prefix: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parses dotted-quad IPv4 text; returns undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) {
        return undefined;
    }
    const octets = parts.map(Number);
    if (octets.some((o) => o > 255)) {
        return undefined;
    }
    return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

/** Formats an unsigned 32-bit integer as dotted-quad IPv4 text. */
export function formatIpv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

/** The result of parsing a CIDR: the block, or the reason it is not a valid network address. */
export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/**
 * Parses "a.b.c.d/n". A block whose address has host bits set (the seed's 10.97.0.0/12) is
 * rejected with the aligned network it would silently normalise to, because kubeadm and Cilium
 * would use that network, not the one the author meant.
 */
export function parseCidr(text: string): CidrParse {
    const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
    const address = match ? parseIpv4(match[1]) : undefined;
    const prefix = match ? Number(match[2]) : NaN;
    if (address === undefined || !(prefix >= 0 && prefix <= 32)) {
        return { ok: false, reason: `"${text}" is not an IPv4 CIDR like 10.96.0.0/16` };
    }
    const size = 2 ** (32 - prefix);
    const first = Math.floor(address / size) * size;
    if (first !== address) {
        return {
            ok: false,
            reason: `"${text}" has host bits set: a /${prefix} starts at ${formatIpv4(first)}, ` + `so it means ${formatIpv4(first)}/${prefix}`,
        };
    }
    return { ok: true, cidr: { text, prefix, first, last: first + size - 1 } };
}

/** Parses "a.b.c.d-e.f.g.h" (MetalLB's range form), first ≤ last. */
export function parseRange(text: string): { ok: true; range: Ipv4Range } | { ok: false; reason: string } {
    const [from, to, ...rest] = text.split("-");
    const first = from === undefined ? undefined : parseIpv4(from.trim());
    const last = to === undefined ? undefined : parseIpv4(to.trim());
    if (rest.length > 0 || first === undefined || last === undefined) {
        return { ok: false, reason: `"${text}" is not an IPv4 range like 192.168.64.200-192.168.64.210` };
    }
    if (first > last) {
        return { ok: false, reason: `"${text}" ends before it starts` };
    }
    return { ok: true, range: { first, last } };
}

/** True when the two ranges share at least one address. */
export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
    return a.first <= b.last && b.first <= a.last;
}

/** True when `inner` lies wholly inside `outer`. */
export function contains(outer: Ipv4Range, inner: Ipv4Range): boolean {
    return outer.first <= inner.first && inner.last <= outer.last;
}

/** "first-last" text of a range, for messages. */
export function describeRange(range: Ipv4Range): string {
    return `${formatIpv4(range.first)}-${formatIpv4(range.last)}`;
}

/** The usable host addresses of a block (network and broadcast excluded for prefixes below /31). */
export function hostRange(cidr: Cidr): Ipv4Range {
    return cidr.prefix >= 31 ? cidr : { first: cidr.first + 1, last: cidr.last - 1 };
}
