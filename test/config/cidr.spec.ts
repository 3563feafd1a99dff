import * as assert from "assert";
import { contains, formatIpv4, hostRange, overlaps, parseCidr, parseIpv4, parseRange } from "../../config/cidr";

describe("config/cidr", () => {
    it("parses and formats IPv4 addresses, rejecting malformed ones", () => {
        assert.strictEqual(parseIpv4("192.168.64.10"), 0xc0a8400a);
        assert.strictEqual(formatIpv4(0xc0a8400a), "192.168.64.10");
        assert.strictEqual(formatIpv4(parseIpv4("255.255.255.255") as number), "255.255.255.255");
        for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", ""]) {
            assert.strictEqual(parseIpv4(bad), undefined, bad);
        }
    });

    it("rejects the seed's 10.97.0.0/12 because a /12 starting there has host bits set", () => {
        const parsed = parseCidr("10.97.0.0/12");
        assert.ok(!parsed.ok);
        assert.match(parsed.reason, /host bits set: a \/12 starts at 10\.96\.0\.0, so it means 10\.96\.0\.0\/12/);
    });

    it("computes the block of an aligned CIDR", () => {
        const parsed = parseCidr("10.96.0.0/12");
        assert.ok(parsed.ok);
        assert.strictEqual(formatIpv4(parsed.cidr.first), "10.96.0.0");
        assert.strictEqual(formatIpv4(parsed.cidr.last), "10.111.255.255");
        assert.ok(!parseCidr("10.0.0.0/33").ok);
        assert.ok(!parseCidr("10.0.0.0").ok);
    });

    it("finds the seed's pod CIDR 10.100.0.0/16 inside the service CIDR 10.96.0.0/12", () => {
        const svc = parseCidr("10.96.0.0/12");
        const pod = parseCidr("10.100.0.0/16");
        const fixedSvc = parseCidr("10.96.0.0/16");
        assert.ok(svc.ok && pod.ok && fixedSvc.ok);
        assert.ok(overlaps(svc.cidr, pod.cidr));
        assert.ok(contains(svc.cidr, pod.cidr));
        assert.ok(!overlaps(fixedSvc.cidr, pod.cidr));
    });

    it("parses MetalLB ranges and rejects reversed or malformed ones", () => {
        const r = parseRange("192.168.64.200-192.168.64.210");
        assert.ok(r.ok);
        assert.strictEqual(r.range.last - r.range.first, 10);
        assert.ok(!parseRange("192.168.64.210-192.168.64.200").ok);
        assert.ok(!parseRange("192.168.64.200").ok);
        assert.ok(!parseRange("192.168.64.200-192.168.64.210-192.168.64.220").ok);
    });

    it("treats ranges that touch at one address as overlapping, adjacent ones as disjoint", () => {
        const a = { first: 10, last: 20 };
        assert.ok(overlaps(a, { first: 20, last: 30 }));
        assert.ok(!overlaps(a, { first: 21, last: 30 }));
    });

    it("excludes network and broadcast addresses from a subnet's host range", () => {
        const subnet = parseCidr("192.168.64.0/24");
        assert.ok(subnet.ok);
        const hosts = hostRange(subnet.cidr);
        assert.strictEqual(formatIpv4(hosts.first), "192.168.64.1");
        assert.strictEqual(formatIpv4(hosts.last), "192.168.64.254");
    });
});
