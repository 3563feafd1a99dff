import * as assert from "assert";
import { DEFAULT_TRUSTED_REGISTRIES } from "../../policy-pack/conventions";
import { planNodes, StackConfig } from "../../config/model";
import {
    ConfigError,
    containerdSupports,
    kubernetesVersionProblems,
    RawConfig,
    supportedKubernetesMinors,
    validateAcrossStacks,
    validateStackConfig,
} from "../../config/validate";
import { DEFAULT_KUBERNETES_VERSION, NODE_PACKAGES } from "../../config/versions";
import { policies } from "../../policy-pack/policies";
import { stackPackConfig } from "../../tools/plan";
import { shippedConfig } from "../support/offline";

/** The raw keys (without "platform:") of a shipped stack file. */
function shippedRaw(stack: string): RawConfig {
    const config = shippedConfig(stack);
    return Object.fromEntries(
        Object.entries(config)
            .filter(([k]) => k.startsWith("platform:"))
            .map(([k, v]) => [k.slice("platform:".length), v]),
    );
}

function errorsFor(raw: RawConfig): ConfigError[] {
    const result = validateStackConfig(raw);
    assert.ok(!result.ok, "expected the config to be rejected");
    return result.errors;
}

function valid(raw: RawConfig): StackConfig {
    const result = validateStackConfig(raw);
    assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.errors, null, 2));
    return result.config;
}

/** A deep copy of mgmt's shipped config with one change applied. */
function mgmtWith(change: (raw: any) => void): RawConfig {
    const raw = JSON.parse(JSON.stringify(shippedRaw("mgmt")));
    change(raw);
    return raw;
}

describe("config/validate: one stack", () => {
    for (const stack of ["mgmt", "app1", "app2"]) {
        it(`accepts the shipped ${stack} config`, () => {
            const config = valid(shippedRaw(stack));
            assert.strictEqual(config.name, stack);
        });
    }

    it("fills defaults: the pinned Kubernetes version, Multipass 24.04, no vipInterface (kube-vip detects it), application namespace", () => {
        const config = valid(
            mgmtWith((r) => {
                delete r.cluster.kubernetesVersion;
                delete r.backend;
                delete r.security;
            }),
        );
        assert.strictEqual(config.kubernetesVersion, DEFAULT_KUBERNETES_VERSION);
        assert.deepStrictEqual(config.backend, { kind: "multipass", image: "24.04" });
        assert.strictEqual(config.network.vipInterface, undefined);
        assert.deepStrictEqual(config.security.appNamespaces, ["application"]);
    });

    it("accepts a configured vipInterface, Multipass image aliases of 24.04 and image URLs", () => {
        assert.strictEqual(valid(mgmtWith((r) => (r.network.vipInterface = "ens3"))).network.vipInterface, "ens3");
        for (const image of [
            "noble",
            "24.04",
            "file:///images/noble-k8s.img",
            "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-arm64.img",
        ]) {
            assert.strictEqual(valid(mgmtWith((r) => (r.backend.image = image))).backend.kind, "multipass", image);
        }
    });

    const cases: Array<{ title: string; change: (raw: any) => void; key: string; message: RegExp }> = [
        {
            title: "the seed's pod CIDR 10.100.0.0/16 inside its service CIDR 10.96.0.0/12",
            change: (r) => (r.network.serviceCidr = "10.96.0.0/12"),
            key: "platform:network.serviceCidr",
            message: /10\.96\.0\.0-10\.111\.255\.255 overlaps network\.podCidr \(10\.100\.0\.0-10\.100\.255\.255\)/,
        },
        {
            title: "a CIDR with host bits set (the seed's 10.97.0.0/12)",
            change: (r) => (r.network.serviceCidr = "10.97.0.0/12"),
            key: "platform:network.serviceCidr",
            message: /host bits set.*means 10\.96\.0\.0\/12/,
        },
        {
            title: "a LoadBalancer pool outside the node subnet",
            change: (r) => (r.network.lbPool = "192.168.65.200-192.168.65.210"),
            key: "platform:network.lbPool",
            message: /not inside the usable addresses of network\.nodeSubnet 192\.168\.64\.0\/24/,
        },
        {
            title: "a LoadBalancer pool overlapping the pod range",
            change: (r) => {
                r.network.podCidr = "192.168.0.0/16";
                r.network.nodeSubnet = "10.0.0.0/24";
                r.network.lbPool = "192.168.64.200-192.168.64.210";
            },
            key: "platform:network.lbPool",
            message: /overlaps network\.podCidr 192\.168\.0\.0\/16/,
        },
        {
            title: "a node subnet overlapping the pod CIDR",
            change: (r) => (r.network.podCidr = "192.168.0.0/16"),
            key: "platform:network.podCidr",
            message: /overlaps network\.nodeSubnet/,
        },
        {
            title: "a cluster mesh IP outside the pool",
            change: (r) => (r.network.clusterMeshIp = "192.168.64.250"),
            key: "platform:network.clusterMeshIp",
            message: /outside network\.lbPool 192\.168\.64\.200-192\.168\.64\.210/,
        },
        { title: "a cluster id of 0", change: (r) => (r.cluster.id = 0), key: "platform:cluster.id", message: /is 0; the Cilium cluster\.id must be 1-255/ },
        { title: "a cluster id of 256", change: (r) => (r.cluster.id = 256), key: "platform:cluster.id", message: /is 256/ },
        {
            title: "a control plane with 1 CPU",
            change: (r) => (r.nodes.controlPlane.cpus = 1),
            key: "platform:nodes.controlPlane.cpus",
            message: /kubeadm preflight needs at least 2 CPUs/,
        },
        {
            title: "a control plane with 1024 MiB",
            change: (r) => (r.nodes.controlPlane.memoryMiB = 1024),
            key: "platform:nodes.controlPlane.memoryMiB",
            message: /at least 1700 MiB/,
        },
        {
            title: "two control-plane nodes",
            change: (r) => (r.nodes.controlPlane.count = 2),
            key: "platform:nodes.controlPlane.count",
            message: /odd quorum, use 1 or 3/,
        },
        { title: "no workers", change: (r) => (r.nodes.workers.count = 0), key: "platform:nodes.workers.count", message: /at least 1 worker/ },
        {
            title: "a malformed version",
            change: (r) => (r.cluster.kubernetesVersion = "1.35"),
            key: "platform:cluster.kubernetesVersion",
            message: /not a full version; write it like "v1\.35\.9"/,
        },
        {
            title: "a minor the pinned containerd is not recommended for",
            change: (r) => (r.cluster.kubernetesVersion = "v1.34.4"),
            key: "platform:cluster.kubernetesVersion",
            message: new RegExp(
                "^v1\\.34\\.4: the nodes' containerd 2\\.2\\.1 \\(NODE_PACKAGES in config/versions\\.ts\\) is not one containerd recommends " +
                    "for Kubernetes 1\\.34 \\(2\\.1\\.3\\+, 2\\.0\\.6\\+, 1\\.7\\.28\\+\\)\\. Use v1\\.35\\.x or v1\\.36\\.x$",
            ),
        },
        {
            title: "v1.32, which neither containerd's table nor Cilium supports (a config key, not a failure halfway through the program)",
            change: (r) => (r.cluster.kubernetesVersion = "v1.32.5"),
            key: "platform:cluster.kubernetesVersion",
            message: new RegExp(
                "v1\\.32\\.5: COMPATIBILITY\\.containerdForKubernetes has no containerd recommendation for Kubernetes 1\\.32; " +
                    "Cilium 1\\.20\\.0 is tested on Kubernetes 1\\.33, 1\\.34, 1\\.35, 1\\.36 only\\.",
            ),
        },
        {
            title: "a minor newer than the containerd table",
            change: (r) => (r.cluster.kubernetesVersion = "v1.37.1"),
            key: "platform:cluster.kubernetesVersion",
            message: /no containerd recommendation for Kubernetes 1\.37.*Cilium .* only/,
        },
        {
            title: "a version without kubeadm v1beta4",
            change: (r) => (r.cluster.kubernetesVersion = "v1.30.4"),
            key: "platform:cluster.kubernetesVersion",
            message: /outside v1\.31-v1\.37/,
        },
        {
            title: "a vipInterface that is no interface name",
            change: (r) => (r.network.vipInterface = "eth 0"),
            key: "platform:network.vipInterface",
            message: /"eth 0" is not a network interface name; leave it unset so kube-vip uses the default-route interface/,
        },
        {
            title: "a Multipass image that is not Ubuntu 24.04",
            change: (r) => (r.backend.image = "22.04"),
            key: "platform:backend.image",
            message: /is "22\.04"; the node bootstrap pins Ubuntu 24\.04 \(noble\) packages/,
        },
        {
            title: "an ssh backend with no hosts",
            change: (r) => {
                r.backend = { kind: "ssh", hosts: [] };
                r.sshPrivateKey = "[secret]";
            },
            key: "platform:backend.hosts",
            message: /is empty; list the hosts/,
        },
        {
            title: "an ssh backend with fewer hosts than nodes",
            change: (r) => {
                r.backend = { kind: "ssh", hosts: [{ name: "n1", address: "192.168.64.50", user: "ubuntu" }] };
                r.sshPrivateKey = "[secret]";
            },
            key: "platform:backend.hosts",
            message: /lists 1 hosts but nodes\.controlPlane\.count \+ nodes\.workers\.count is 2/,
        },
        {
            title: "an ssh backend without a private key",
            change: (r) =>
                (r.backend = {
                    kind: "ssh",
                    hosts: [
                        { name: "n1", address: "192.168.64.50" },
                        { name: "n2", address: "192.168.64.51" },
                    ],
                }),
            key: "platform:sshPrivateKey",
            message: /pulumi config set --secret platform:sshPrivateKey/,
        },
        {
            title: "an ssh host outside the node subnet",
            change: (r) => {
                r.backend = {
                    kind: "ssh",
                    hosts: [
                        { name: "n1", address: "10.9.9.9" },
                        { name: "n2", address: "192.168.64.51" },
                    ],
                };
                r.sshPrivateKey = "[secret]";
            },
            key: "platform:backend.hosts[0].address",
            message: /outside network\.nodeSubnet/,
        },
        { title: "an unknown backend", change: (r) => (r.backend = { kind: "vagrant" }), key: "platform:backend.kind", message: /use "multipass".*or "ssh"/ },
        {
            title: "three control-plane nodes without a VIP",
            change: (r) => (r.nodes.controlPlane.count = 3),
            key: "platform:network.controlPlaneVip",
            message: /is required with 3 control-plane nodes/,
        },
        {
            title: "a VIP inside the LoadBalancer pool",
            change: (r) => (r.network.controlPlaneVip = "192.168.64.205"),
            key: "platform:network.controlPlaneVip",
            message: /inside network\.lbPool/,
        },
        {
            title: "an uppercase cluster name",
            change: (r) => (r.cluster.name = "Mgmt"),
            key: "platform:cluster.name",
            message: /lowercase letters, digits or '-'/,
        },
        { title: "an unknown role", change: (r) => (r.cluster.role = "workload"), key: "platform:cluster.role", message: /set "mgmt".*or "app"/ },
        {
            title: "a mgmt reference on the mgmt stack",
            change: (r) => (r.mgmtStack = "organization/platform/mgmt"),
            key: "platform:mgmtStack",
            message: /only app stacks reference mgmt/,
        },
        {
            title: "a mesh peer with this cluster's own id",
            change: (r) => (r.mesh.peers[0].id = 1),
            key: "platform:mesh.peers[0].id",
            message: /this cluster's own cluster\.id/,
        },
        { title: "a missing network block", change: (r) => delete r.network, key: "platform:network", message: /is missing/ },
    ];
    for (const c of cases) {
        it(`rejects ${c.title}, naming ${c.key}`, () => {
            const errors = errorsFor(mgmtWith(c.change));
            const forKey = errors.filter((e) => e.key === c.key);
            assert.ok(forKey.length > 0, `no error for ${c.key}; got ${JSON.stringify(errors)}`);
            assert.ok(
                forKey.some((e) => c.message.test(e.message)),
                `no ${c.key} error matches ${c.message}; got ${JSON.stringify(forKey)}`,
            );
        });
    }

    it("rejects on app stacks a minor Kyverno does not support, which mgmt accepts", () => {
        const raw = shippedRaw("app1");
        (raw.cluster as { kubernetesVersion: string }).kubernetesVersion = "v1.36.4";
        const errors = errorsFor(raw);
        assert.deepStrictEqual(
            errors.map((e) => e.key),
            ["platform:cluster.kubernetesVersion"],
        );
        assert.match(errors[0].message, /^v1\.36\.4: app clusters run Kyverno, which supports Kubernetes 1\.33, 1\.34, 1\.35 only\. Use v1\.35\.x$/);
        assert.strictEqual(valid(mgmtWith((r) => (r.cluster.kubernetesVersion = "v1.36.4"))).kubernetesVersion, "v1.36.4");
    });

    it("rejects an app stack without a mgmt reference", () => {
        const raw = shippedRaw("app1");
        delete raw.mgmtStack;
        const errors = errorsFor(raw);
        assert.deepStrictEqual(
            errors.map((e) => e.key),
            ["platform:mgmtStack"],
        );
        assert.match(errors[0].message, /required on an app stack.*organization\/platform\/mgmt/);
    });

    it("reports every problem at once, not just the first", () => {
        const errors = errorsFor(
            mgmtWith((r) => {
                r.cluster.id = 0;
                r.nodes.controlPlane.cpus = 1;
                r.network.serviceCidr = "10.97.0.0/12";
            }),
        );
        assert.deepStrictEqual(errors.map((e) => e.key).sort(), ["platform:cluster.id", "platform:network.serviceCidr", "platform:nodes.controlPlane.cpus"]);
    });

    it("orders planned nodes control plane first and maps ssh hosts in order", () => {
        const config = valid(
            mgmtWith((r) => {
                r.backend = {
                    kind: "ssh",
                    hosts: [
                        { name: "cp", address: "192.168.64.50" },
                        { name: "w1", address: "192.168.64.51" },
                    ],
                };
                r.sshPrivateKey = "[secret]";
            }),
        );
        assert.deepStrictEqual(
            planNodes(config).map((n) => [n.name, n.controlPlane, n.host?.address]),
            [
                ["cp", true, "192.168.64.50"],
                ["w1", false, "192.168.64.51"],
            ],
        );
        assert.deepStrictEqual(
            planNodes(valid(shippedRaw("app1"))).map((n) => n.name),
            ["app1-cp-0", "app1-worker-0"],
        );
    });
});

describe("config/validate: the Kubernetes version gate follows the pinned containerd", () => {
    it("reads containerd's table per release line: at or above the listed patch, and no other line", () => {
        assert.ok(containerdSupports("1.35", "2.2.1"));
        assert.ok(containerdSupports("1.35", "1.7.28"));
        assert.ok(!containerdSupports("1.35", "1.7.27"));
        assert.ok(!containerdSupports("1.35", "2.0.9"), "2.0 is not listed for 1.35");
        assert.ok(!containerdSupports("1.35", "2.3.0"), "a newer line is not listed either");
        assert.ok(containerdSupports("1.36", "2.3.0"));
        assert.ok(!containerdSupports("1.36", "1.7.28"), "Kubernetes 1.36 lists no containerd 1.x");
        assert.ok(!containerdSupports("1.99", "2.2.1"));
    });

    it("the old rule (1.36+ needs containerd 2) is what a 1.7 pin gives; the 2.2 pin opens 1.36", () => {
        assert.deepStrictEqual(kubernetesVersionProblems("v1.36.4", "mgmt", "1.7.28"), [
            "the nodes' containerd 1.7.28 (NODE_PACKAGES in config/versions.ts) is not one containerd recommends for Kubernetes 1.36 (2.3.0+, 2.2.0+)",
        ]);
        assert.deepStrictEqual(kubernetesVersionProblems("v1.35.9", "mgmt", "1.7.28"), []);
        assert.deepStrictEqual(kubernetesVersionProblems("v1.36.4", "mgmt", "2.2.1"), []);
        assert.strictEqual(NODE_PACKAGES.containerd.version, "2.2.1");
    });

    it("offers the minors every rule allows, per role", () => {
        assert.deepStrictEqual(supportedKubernetesMinors("mgmt"), ["1.35", "1.36"]);
        assert.deepStrictEqual(supportedKubernetesMinors("app"), ["1.35"]);
        assert.ok(supportedKubernetesMinors("app").includes(DEFAULT_KUBERNETES_VERSION.replace(/^v(\d+\.\d+)\..*/, "$1")), "the default runs everywhere");
    });
});

describe("config/validate: across stacks", () => {
    const shipped = () => ["mgmt", "app1", "app2"].map((stack) => ({ stack, config: valid(shippedRaw(stack)) }));

    it("accepts the three shipped stacks together", () => {
        assert.deepStrictEqual(validateAcrossStacks(shipped()), []);
    });

    it("rejects overlapping pod CIDRs, duplicate ids and overlapping pools", () => {
        const stacks = shipped();
        stacks[2].config = {
            ...stacks[2].config,
            id: 2,
            network: { ...stacks[2].config.network, podCidr: "10.101.0.0/16", lbPool: "192.168.64.215-192.168.64.230" },
        };
        const errors = validateAcrossStacks(stacks);
        const messages = errors.map((e) => `${e.key}: ${e.message}`).join("\n");
        assert.match(messages, /app2: platform:network\.podCidr: 10\.101\.0\.0\/16 overlaps stack app1's podCidr/);
        assert.match(messages, /app2: platform:cluster\.id: 2 is also stack app1's cluster id/);
        assert.match(messages, /app2: platform:network\.lbPool: .* overlaps stack app1's lbPool/);
    });

    it("rejects duplicate cluster names", () => {
        const stacks = shipped();
        stacks[1].config = { ...stacks[1].config, name: "mgmt" };
        assert.ok(validateAcrossStacks(stacks).some((e) => e.key === "app1: platform:cluster.name"));
    });

    it("rejects a mesh peer entry that disagrees with the peer's own config", () => {
        const stacks = shipped();
        stacks[0].config = {
            ...stacks[0].config,
            meshPeers: stacks[0].config.meshPeers.map((p) => (p.name === "app1" ? { ...p, address: "192.168.64.212" } : p)),
        };
        const errors = validateAcrossStacks(stacks);
        assert.strictEqual(errors.length, 1);
        assert.strictEqual(errors[0].key, "mgmt: platform:mesh.peers");
        assert.match(errors[0].message, /entry "app1" says id 2, address 192\.168\.64\.212, but stack app1 has id 2, clusterMeshIp 192\.168\.64\.211/);
    });

    it("rejects a cluster that leaves a peer out of its mesh", () => {
        const stacks = shipped();
        stacks[1].config = { ...stacks[1].config, meshPeers: stacks[1].config.meshPeers.filter((p) => p.name !== "app2") };
        const errors = validateAcrossStacks(stacks);
        assert.strictEqual(errors.length, 1);
        assert.match(errors[0].message, /does not list cluster "app2".*add \{name: app2, id: 3, address: 192\.168\.64\.221\}/);
    });
});

describe("config/validate: mgmt's fixed service IPs and the API server settings", () => {
    it("requires serviceIps on mgmt, each in the pool, none shared, and refuses them on an app stack", () => {
        assert.deepStrictEqual(
            errorsFor(mgmtWith((r) => delete r.network.serviceIps)).map((e) => e.key),
            ["platform:network.serviceIps"],
        );
        const clash = errorsFor(
            mgmtWith((r) => (r.network.serviceIps = { vault: "192.168.64.200", s3: "192.168.64.230", keycloak: "192.168.64.203", ingest: "192.168.64.204" })),
        );
        assert.deepStrictEqual(clash.map((e) => e.key).sort(), ["platform:network.serviceIps.s3", "platform:network.serviceIps.vault"]);
        assert.match(clash.find((e) => e.key.endsWith("vault"))!.message, /is also network\.clusterMeshIp/);
        assert.match(clash.find((e) => e.key.endsWith("s3"))!.message, /outside network\.lbPool/);
        const app = shippedRaw("app1") as any;
        app.network.serviceIps = { vault: "192.168.64.212", s3: "192.168.64.213", keycloak: "192.168.64.214" };
        assert.match(errorsFor(app)[0].message, /only for the mgmt cluster/);
    });

    it("defaults the API server settings and names a bad field", () => {
        const result = validateStackConfig(shippedRaw("app1"));
        assert.ok(result.ok);
        assert.deepStrictEqual(result.config.apiServer, { oidc: true, audit: { maxAgeDays: 7, maxBackups: 10, maxSizeMiB: 100 }, encryptionKeyGeneration: 1 });
        const raw = shippedRaw("app1") as any;
        raw.apiServer = { oidc: "yes", audit: { maxAgeDays: 0 }, encryptionKeyGeneration: 1.5 };
        assert.deepStrictEqual(
            errorsFor(raw)
                .map((e) => e.key)
                .sort(),
            ["platform:apiServer.audit.maxAgeDays", "platform:apiServer.encryptionKeyGeneration", "platform:apiServer.oidc"],
        );
    });
});

describe("config/validate: k8sgpt settings", () => {
    it("defaults to no AI, and names a bad backend with the ones the K8sGPT CRD takes", () => {
        const result = validateStackConfig(shippedRaw("mgmt"));
        assert.ok(result.ok);
        assert.deepStrictEqual(result.config.aiops, { k8sgptApiKeyStored: false });
        const raw = shippedRaw("mgmt") as any;
        raw.aiops = { k8sgptApiKeyStored: "yes" };
        assert.deepStrictEqual(
            errorsFor(raw).map((e) => e.key),
            ["platform:aiops.k8sgptApiKeyStored"],
        );
        raw.aiops = { k8sgptApiKeyStored: true, k8sgptBackend: { backend: "gemini", model: "x" } };
        const [bad] = errorsFor(raw);
        assert.equal(bad.key, "platform:aiops.k8sgptBackend.backend");
        assert.match(bad.message, /"gemini" is not a k8sgpt backend; use one of openai, azureopenai, .*customrest/);
        raw.aiops = { k8sgptApiKeyStored: true, k8sgptBackend: { backend: "localai", model: "llama3", baseUrl: "http://localai:8080/v1" } };
        const ok = validateStackConfig(raw);
        assert.ok(ok.ok);
        assert.deepStrictEqual(ok.config.aiops.k8sgptBackend, { backend: "localai", model: "llama3", baseUrl: "http://localai:8080/v1" });
    });
});

describe("config/validate: trusted registries", () => {
    it("the policy pack's default list is the platform's default list (seed 001 §13.2)", () => {
        const policy = policies.find((p) => p.name === "trusted-image-registries");
        assert.deepStrictEqual((policy?.configSchema?.properties.trustedRegistries as { default: unknown }).default, DEFAULT_TRUSTED_REGISTRIES);
    });

    it("refuses an lbPool that holds only the mesh IP: the Gateway needs an address of the general pool", () => {
        const raw = shippedRaw("app1") as any;
        raw.network = { ...raw.network, lbPool: "192.168.64.211-192.168.64.211" };
        const errors = errorsFor(raw);
        assert.deepStrictEqual(
            errors.map((e) => e.key),
            ["platform:network.lbPool"],
        );
        assert.match(errors[0].message, /holds only network\.clusterMeshIp/);
    });

    it("refuses an entry the pack and Kyverno cannot enforce alike, naming its index and the fix", () => {
        const errors = errorsFor(mgmtWith((r) => (r.security = { trustedRegistries: ["harbor.local.dev", "docker.io", "bitnami"] })));
        assert.deepStrictEqual(
            errors.map((e) => e.key),
            ["platform:security.trustedRegistries[1]", "platform:security.trustedRegistries[2]"],
        );
        assert.match(errors[0].message, /trusts all of Docker Hub; name a namespace such as docker\.io\/library/);
        assert.match(errors[1].message, /for Docker Hub write docker\.io\/<namespace>/);
    });

    it("the plan checks each stack against its own configured registries unless the pack config overrides them", () => {
        const config = valid(mgmtWith((r) => (r.security = { trustedRegistries: ["registry.example.com"] })));
        assert.deepStrictEqual(stackPackConfig(config), { "trusted-image-registries": { trustedRegistries: ["registry.example.com"] } });
        assert.deepStrictEqual(stackPackConfig(config, { "trusted-image-registries": "advisory", all: "mandatory" }), {
            "trusted-image-registries": { trustedRegistries: ["registry.example.com"], enforcementLevel: "advisory" },
            all: "mandatory",
        });
        assert.deepStrictEqual(stackPackConfig(config, { "trusted-image-registries": { trustedRegistries: ["x.io"] } })["trusted-image-registries"], {
            trustedRegistries: ["x.io"],
        });
    });
});
