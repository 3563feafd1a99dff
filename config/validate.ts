/**
 * Validation of stack config. It runs before any resource is created, collects every problem
 * instead of stopping at the first, and words each one as `<key>: <problem>. <fix>`.
 */
import { COMPATIBILITY, DEFAULT_TRUSTED_REGISTRIES, trustedRegistryProblem } from "../policy-pack/conventions";
import { Cidr, contains, describeRange, hostRange, Ipv4Range, overlaps, parseCidr, parseIpv4, parseRange } from "./cidr";
import {
    AI_BACKENDS,
    AiBackend,
    AiopsConfig,
    ApiServerConfig,
    ClusterRole,
    kubernetesMinor,
    MeshPeer,
    NetworkConfig,
    NodeBackend,
    NodePool,
    PROJECT,
    SecurityConfig,
    ServiceIps,
    SshHost,
    StackConfig,
} from "./model";
import { CHARTS, DEFAULT_KUBERNETES_VERSION, NODE_PACKAGES } from "./versions";

/** Raw config values by key (without the `platform:` prefix), as Pulumi or the YAML file gives them. */
export type RawConfig = Record<string, unknown>;

/** One problem, tied to the config key that causes it. */
export interface ConfigError {
    /** Dotted key path, e.g. "platform:network.podCidr". */
    key: string;
    /** What is wrong and how to fix it. */
    message: string;
}

export type ValidationResult = { ok: true; config: StackConfig } | { ok: false; errors: ConfigError[] };

/** Thrown by `requireValid`; its message lists every problem, one per line. */
export class ConfigValidationError extends Error {
    constructor(
        readonly stack: string,
        readonly errors: ConfigError[],
    ) {
        super(`invalid config for stack "${stack}":\n${formatErrors(errors)}`);
        this.name = "ConfigValidationError";
    }
}

/** One line per problem: "  - platform:key: message". */
export function formatErrors(errors: ConfigError[]): string {
    return errors.map((e) => `  - ${e.key}: ${e.message}`).join("\n");
}

/** kubeadm preflight minimums for a control-plane node (NumCPU and Mem checks). */
export const CONTROL_PLANE_MIN = { cpus: 2, memoryMiB: 1700 };
/** Room for Ubuntu plus the Kubernetes and add-on images. */
export const MIN_DISK_GIB = 10;
/** Multipass images the node bootstrap supports: Ubuntu 24.04 by alias, or a custom image by URL (checked at first boot). */
const UBUNTU_2404_IMAGE = /^(24\.04|noble|(file|https?):\/\/\S+)$/;
/** A Linux interface name: at most 15 characters (IFNAMSIZ), no '/' or whitespace. */
const INTERFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const VERSION = /^v(\d+)\.(\d+)\.(\d+)$/;
const STACK_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

type Obj = Record<string, unknown>;

/** Collects errors while reading typed fields out of untyped config. */
class Reader {
    readonly errors: ConfigError[] = [];

    fail(key: string, message: string): undefined {
        this.errors.push({ key: `${PROJECT}:${key}`, message });
        return undefined;
    }

    object(value: unknown, key: string): Obj | undefined {
        if (value === undefined) {
            return this.fail(key, "is missing. Add it to Pulumi.<stack>.yaml (see Pulumi.mgmt.yaml for the shape)");
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            return this.fail(key, `must be a map of keys, got ${JSON.stringify(value)}`);
        }
        return value as Obj;
    }

    string(obj: Obj, field: string, key: string, fallback?: string): string | undefined {
        const value = obj[field] ?? fallback;
        if (typeof value !== "string" || value.length === 0) {
            return this.fail(`${key}.${field}`, value === undefined ? "is missing" : `must be a non-empty string, got ${JSON.stringify(value)}`);
        }
        return value;
    }

    integer(obj: Obj, field: string, key: string, min: number, max: number, why: string): number | undefined {
        const value = obj[field];
        if (typeof value !== "number" || !Number.isInteger(value)) {
            return this.fail(
                `${key}.${field}`,
                value === undefined ? `is missing; set a whole number, ${why}` : `must be a whole number, got ${JSON.stringify(value)}`,
            );
        }
        if (value < min || value > max) {
            return this.fail(`${key}.${field}`, `is ${value}; ${why}`);
        }
        return value;
    }

    stringList(obj: Obj, field: string, key: string, fallback: string[]): string[] | undefined {
        const value = obj[field] ?? fallback;
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v.length > 0)) {
            return this.fail(`${key}.${field}`, `must be a list of non-empty strings, got ${JSON.stringify(value)}`);
        }
        return value as string[];
    }

    cidr(obj: Obj, field: string, key: string): Cidr | undefined {
        const text = this.string(obj, field, key);
        if (text === undefined) {
            return undefined;
        }
        const parsed = parseCidr(text);
        return parsed.ok ? parsed.cidr : this.fail(`${key}.${field}`, `${parsed.reason}. Write the aligned network address, or use a /16 per cluster`);
    }

    address(obj: Obj, field: string, key: string, required: boolean): number | undefined {
        const value = obj[field];
        if (value === undefined && !required) {
            return undefined;
        }
        const text = this.string(obj, field, key);
        if (text === undefined) {
            return undefined;
        }
        const address = parseIpv4(text);
        return address ?? this.fail(`${key}.${field}`, `"${text}" is not an IPv4 address`);
    }
}

/** Validates one stack's raw config; never throws. */
export function validateStackConfig(raw: RawConfig): ValidationResult {
    const r = new Reader();
    const cluster = readCluster(r, raw.cluster);
    const controlPlane = readPool(r, raw.nodes, "controlPlane");
    const workers = readPool(r, raw.nodes, "workers");
    const network = readNetwork(r, raw.network, controlPlane?.count, cluster?.role);
    const backend = readBackend(r, raw.backend, raw.sshPrivateKey, network, (controlPlane?.count ?? 0) + (workers?.count ?? 0));
    const mgmtStack = readMgmtStack(r, raw.mgmtStack, cluster?.role);
    const meshPeers = readMeshPeers(r, raw.mesh, cluster);
    const security = readSecurity(r, raw.security);
    const apiServer = readApiServer(r, raw.apiServer);
    const aiops = readAiops(r, raw.aiops);

    if (r.errors.length > 0 || !cluster || !controlPlane || !workers || !network || !backend || !meshPeers || !security || !apiServer || !aiops) {
        return { ok: false, errors: r.errors };
    }
    return { ok: true, config: { ...cluster, controlPlane, workers, network, backend, mgmtStack, meshPeers, security, apiServer, aiops } };
}

/** Validates or throws a `ConfigValidationError` naming every problem. */
export function requireValid(stack: string, raw: RawConfig): StackConfig {
    const result = validateStackConfig(raw);
    if (!result.ok) {
        throw new ConfigValidationError(stack, result.errors);
    }
    return result.config;
}

function readCluster(r: Reader, value: unknown) {
    const obj = r.object(value, "cluster");
    if (!obj) {
        return undefined;
    }
    const name = r.string(obj, "name", "cluster");
    if (name !== undefined && (!DNS_LABEL.test(name) || name.length > 32)) {
        r.fail("cluster.name", `"${name}" must be 1-32 lowercase letters, digits or '-' (Cilium cluster.name and VM names), e.g. "app3"`);
    }
    const role = r.string(obj, "role", "cluster");
    if (role !== undefined && role !== "mgmt" && role !== "app") {
        r.fail("cluster.role", `is "${role}"; set "mgmt" for the platform cluster or "app" for a workload cluster`);
    }
    const id = r.integer(obj, "id", "cluster", 1, 255, "the Cilium cluster.id must be 1-255 and unique across the mesh");
    const kubernetesVersion = r.string(obj, "kubernetesVersion", "cluster", DEFAULT_KUBERNETES_VERSION);
    const match = kubernetesVersion === undefined ? null : VERSION.exec(kubernetesVersion);
    if (kubernetesVersion !== undefined && !match) {
        r.fail("cluster.kubernetesVersion", `"${kubernetesVersion}" is not a full version; write it like "${DEFAULT_KUBERNETES_VERSION}"`);
    } else if (match) {
        const problems = kubernetesVersionProblems(kubernetesVersion as string, role === "app" ? "app" : "mgmt");
        if (problems.length > 0) {
            const allowed = supportedKubernetesMinors(role === "app" ? "app" : "mgmt").map((m) => `v${m}.x`);
            const instead = allowed.length > 0 ? `Use ${allowed.join(" or ")}` : "No minor satisfies every rule; fix the pins in config/versions.ts";
            r.fail("cluster.kubernetesVersion", `${kubernetesVersion}: ${problems.join("; ")}. ${instead}`);
        }
    }
    if (name === undefined || (role !== "mgmt" && role !== "app") || id === undefined || !match) {
        return undefined;
    }
    return { name, role: role as ClusterRole, id, kubernetesVersion: kubernetesVersion as string };
}

/** "2.2.1" → ["2.2", 1]: the release line and the patch. */
function releaseLine(version: string): [string, number] {
    const [major, minor, patch] = version.split(".");
    return [`${major}.${minor}`, Number(patch)];
}

/**
 * Whether containerd `version` (e.g. "2.2.1") is one containerd recommends for Kubernetes `minor`:
 * a line listed for that minor in COMPATIBILITY.containerdForKubernetes, at or above the listed
 * patch ("2.1.5+" covers 2.1.5 and later 2.1 patches, not 2.2: containerd lists each line).
 */
export function containerdSupports(minor: string, version: string): boolean {
    const [line, patch] = releaseLine(version);
    return (COMPATIBILITY.containerdForKubernetes[minor] ?? []).some((entry) => {
        const [entryLine, entryPatch] = releaseLine(entry);
        return entryLine === line && patch >= entryPatch;
    });
}

/**
 * Why a Kubernetes version cannot run on this platform ([] when it can): kubeadm v1beta4, the
 * nodes' containerd (the pin unless told otherwise), the pinned Cilium and, on app clusters,
 * Kyverno (COMPATIBILITY).
 */
export function kubernetesVersionProblems(version: string, role: ClusterRole, containerd = NODE_PACKAGES.containerd.version): string[] {
    const minor = kubernetesMinor(version);
    const [major, minorNumber] = minor.split(".").map(Number);
    const { min, max } = COMPATIBILITY.kubeadmMinors;
    if (major !== 1 || minorNumber < min || minorNumber > max) {
        return [`outside v1.${min}-v1.${max}, the minors with kubeadm v1beta4 this code renders`];
    }
    const problems: string[] = [];
    if (!containerdSupports(minor, containerd)) {
        const recommended = COMPATIBILITY.containerdForKubernetes[minor];
        problems.push(
            recommended
                ? `the nodes' containerd ${containerd} (NODE_PACKAGES in config/versions.ts) is not one containerd recommends ` +
                      `for Kubernetes ${minor} (${recommended.map((v) => `${v}+`).join(", ")})`
                : `COMPATIBILITY.containerdForKubernetes has no containerd recommendation for Kubernetes ${minor}`,
        );
    }
    if (!COMPATIBILITY.ciliumKubernetesMinors.includes(minor)) {
        problems.push(`Cilium ${CHARTS.cilium.version} is tested on Kubernetes ${COMPATIBILITY.ciliumKubernetesMinors.join(", ")} only`);
    }
    if (role === "app" && !COMPATIBILITY.kyvernoKubernetesMinors.includes(minor)) {
        problems.push(`app clusters run Kyverno, which supports Kubernetes ${COMPATIBILITY.kyvernoKubernetesMinors.join(", ")} only`);
    }
    return problems;
}

/** The Kubernetes minors a cluster of this role can run, oldest first. */
export function supportedKubernetesMinors(role: ClusterRole): string[] {
    const { min, max } = COMPATIBILITY.kubeadmMinors;
    return Array.from({ length: max - min + 1 }, (_, i) => `1.${min + i}`).filter((minor) => kubernetesVersionProblems(`v${minor}.0`, role).length === 0);
}

function readPool(r: Reader, value: unknown, pool: "controlPlane" | "workers"): NodePool | undefined {
    const nodes = r.object(value, "nodes");
    const obj = nodes && r.object(nodes[pool], `nodes.${pool}`);
    if (!obj) {
        return undefined;
    }
    const key = `nodes.${pool}`;
    const isCp = pool === "controlPlane";
    const count = isCp
        ? r.integer(obj, "count", key, 1, 3, "use 1, or 3 for an HA control plane (etcd needs an odd quorum)")
        : r.integer(obj, "count", key, 1, 100, "a cluster needs at least 1 worker");
    if (isCp && count === 2) {
        r.fail(`${key}.count`, "is 2; etcd needs an odd quorum, use 1 or 3");
    }
    const cpus = isCp
        ? r.integer(obj, "cpus", key, CONTROL_PLANE_MIN.cpus, 64, `kubeadm preflight needs at least ${CONTROL_PLANE_MIN.cpus} CPUs on a control-plane node`)
        : r.integer(obj, "cpus", key, 1, 64, "give each worker 1-64 CPUs");
    const memoryMiB = isCp
        ? r.integer(
              obj,
              "memoryMiB",
              key,
              CONTROL_PLANE_MIN.memoryMiB,
              1 << 20,
              `kubeadm preflight needs at least ${CONTROL_PLANE_MIN.memoryMiB} MiB on a control-plane node; seed 001 uses 3072-4096`,
          )
        : r.integer(obj, "memoryMiB", key, 1024, 1 << 20, "give each worker at least 1024 MiB");
    const diskGiB = r.integer(obj, "diskGiB", key, MIN_DISK_GIB, 4096, `give each node at least ${MIN_DISK_GIB} GiB for Ubuntu and the container images`);
    if (count === undefined || (isCp && count === 2) || cpus === undefined || memoryMiB === undefined || diskGiB === undefined) {
        return undefined;
    }
    return { count, cpus, memoryMiB, diskGiB };
}

function readNetwork(r: Reader, value: unknown, controlPlaneCount: number | undefined, role: ClusterRole | undefined): NetworkConfig | undefined {
    const obj = r.object(value, "network");
    if (!obj) {
        return undefined;
    }
    const key = "network";
    const errorsBefore = r.errors.length;
    const nodeSubnet = r.cidr(obj, "nodeSubnet", key);
    const podCidr = r.cidr(obj, "podCidr", key);
    const serviceCidr = r.cidr(obj, "serviceCidr", key);
    const lbPoolText = r.string(obj, "lbPool", key);
    const poolParse = lbPoolText === undefined ? undefined : parseRange(lbPoolText);
    const lbPool = poolParse?.ok ? poolParse.range : poolParse && r.fail("network.lbPool", `${poolParse.reason}`);
    const meshIp = r.address(obj, "clusterMeshIp", key, true);
    const vip = r.address(obj, "controlPlaneVip", key, false);
    const vipInterface = obj.vipInterface === undefined ? undefined : r.string(obj, "vipInterface", key);
    if (vipInterface !== undefined && !INTERFACE_NAME.test(vipInterface)) {
        r.fail(
            "network.vipInterface",
            `"${vipInterface}" is not a network interface name; leave it unset so kube-vip uses the default-route interface, ` +
                "or name one from `ip -br link` on a control-plane node",
        );
    }

    const named: Array<[string, Ipv4Range | undefined]> = [
        ["nodeSubnet", nodeSubnet],
        ["podCidr", podCidr],
        ["serviceCidr", serviceCidr],
    ];
    for (let i = 0; i < named.length; i++) {
        for (let j = i + 1; j < named.length; j++) {
            const [aName, a] = named[i];
            const [bName, b] = named[j];
            if (a && b && overlaps(a, b)) {
                r.fail(
                    `network.${bName}`,
                    `${describeRange(b)} overlaps network.${aName} (${describeRange(a)}). ` +
                        "Every range of a cluster must be disjoint, e.g. serviceCidr 10.96.0.0/16 with podCidr 10.100.0.0/16",
                );
            }
        }
    }
    if (nodeSubnet && lbPool) {
        if (!contains(hostRange(nodeSubnet), lbPool)) {
            r.fail(
                "network.lbPool",
                `${describeRange(lbPool)} is not inside the usable addresses of network.nodeSubnet ${nodeSubnet.text}; ` +
                    "MetalLB L2 answers ARP only on the nodes' own segment",
            );
        }
        for (const [other, cidr] of [
            ["podCidr", podCidr],
            ["serviceCidr", serviceCidr],
        ] as const) {
            if (cidr && overlaps(cidr, lbPool)) {
                r.fail("network.lbPool", `${describeRange(lbPool)} overlaps network.${other} ${cidr.text}; choose a pool on the node subnet`);
            }
        }
    }
    if (meshIp !== undefined && lbPool && !contains(lbPool, { first: meshIp, last: meshIp })) {
        r.fail(
            "network.clusterMeshIp",
            `${obj.clusterMeshIp} is outside network.lbPool ${describeRange(lbPool)}; pick an address from the pool so MetalLB can assign it`,
        );
    } else if (meshIp !== undefined && lbPool && lbPool.first === lbPool.last) {
        // The mesh IP gets a MetalLB pool of its own; the Gateway and other Services need the rest.
        r.fail("network.lbPool", `${describeRange(lbPool)} holds only network.clusterMeshIp; give the pool at least one more address for the Gateway`);
    }
    if (vip === undefined && controlPlaneCount === 3) {
        r.fail(
            "network.controlPlaneVip",
            "is required with 3 control-plane nodes: set a free address on network.nodeSubnet, outside the DHCP range and network.lbPool, for kube-vip",
        );
    }
    if (vip !== undefined && nodeSubnet && !contains(hostRange(nodeSubnet), { first: vip, last: vip })) {
        r.fail("network.controlPlaneVip", `${obj.controlPlaneVip} is not a host address of network.nodeSubnet ${nodeSubnet.text}`);
    }
    if (vip !== undefined && lbPool && contains(lbPool, { first: vip, last: vip })) {
        r.fail(
            "network.controlPlaneVip",
            `${obj.controlPlaneVip} lies inside network.lbPool; MetalLB could hand it to a Service. Pick an address outside the pool`,
        );
    }
    const serviceIps = readServiceIps(r, obj.serviceIps, role, lbPool, meshIp);
    if (r.errors.length > errorsBefore || !nodeSubnet || !podCidr || !serviceCidr || !lbPool || meshIp === undefined) {
        return undefined;
    }
    return {
        nodeSubnet: nodeSubnet.text,
        podCidr: podCidr.text,
        serviceCidr: serviceCidr.text,
        lbPool: lbPoolText as string,
        clusterMeshIp: obj.clusterMeshIp as string,
        controlPlaneVip: vip === undefined ? undefined : (obj.controlPlaneVip as string),
        vipInterface,
        serviceIps,
    };
}

const SERVICE_IP_FIELDS = ["vault", "s3", "keycloak", "ingest"] as const satisfies ReadonlyArray<keyof ServiceIps>;

/**
 * mgmt's fixed service addresses: required on mgmt, refused elsewhere (app clusters reach these
 * services on mgmt), each inside `lbPool`, none equal to `clusterMeshIp` or another, and with one
 * pool address left for the Gateway.
 */
function readServiceIps(
    r: Reader,
    value: unknown,
    role: ClusterRole | undefined,
    lbPool: Ipv4Range | undefined,
    meshIp: number | undefined,
): ServiceIps | undefined {
    const key = "network.serviceIps";
    if (role === undefined) {
        return undefined; // cluster.role failed already; which rule applies is unknown
    }
    if (role !== "mgmt") {
        if (value !== undefined) {
            r.fail(key, "is only for the mgmt cluster, which runs Vault, the S3 endpoint and Keycloak; remove it from this stack");
        }
        return undefined;
    }
    if (value === undefined) {
        return r.fail(key, "is missing: mgmt needs fixed LoadBalancer IPs for {vault, s3, keycloak, ingest} inside network.lbPool, e.g. vault: 192.168.64.201");
    }
    const obj = r.object(value, key);
    if (!obj) {
        return undefined;
    }
    const taken = new Map<number, string>(meshIp === undefined ? [] : [[meshIp, "network.clusterMeshIp"]]);
    for (const field of SERVICE_IP_FIELDS) {
        const address = r.address(obj, field, key, true);
        if (address === undefined) {
            continue;
        }
        if (lbPool && !contains(lbPool, { first: address, last: address })) {
            r.fail(
                `${key}.${field}`,
                `${obj[field]} is outside network.lbPool ${describeRange(lbPool)}; pick an address from the pool so MetalLB can assign it`,
            );
        }
        const other = taken.get(address);
        if (other) {
            r.fail(`${key}.${field}`, `${obj[field]} is also ${other}; every fixed service needs its own address`);
        }
        taken.set(address, `${key}.${field}`);
    }
    if (lbPool && lbPool.last - lbPool.first + 1 <= taken.size) {
        r.fail("network.lbPool", `${describeRange(lbPool)} holds only the fixed addresses; give the pool at least one more address for the Gateway`);
    }
    return r.errors.some((e) => e.key.startsWith(`${PROJECT}:${key}`))
        ? undefined
        : (Object.fromEntries(SERVICE_IP_FIELDS.map((f) => [f, obj[f]])) as unknown as ServiceIps);
}

/** k8sgpt settings; AI explanations stay off until `k8sgptApiKeyStored: true`. */
function readAiops(r: Reader, value: unknown): AiopsConfig | undefined {
    const obj = value === undefined ? {} : r.object(value, "aiops");
    if (!obj) {
        return undefined;
    }
    const stored = obj.k8sgptApiKeyStored ?? false;
    if (typeof stored !== "boolean") {
        return r.fail("aiops.k8sgptApiKeyStored", `must be true or false, got ${JSON.stringify(stored)}; set it true after \`vault kv put\` of the API key`);
    }
    if (obj.k8sgptBackend === undefined) {
        return { k8sgptApiKeyStored: stored };
    }
    const b = r.object(obj.k8sgptBackend, "aiops.k8sgptBackend");
    const name = b && r.string(b, "backend", "aiops.k8sgptBackend");
    const model = b && r.string(b, "model", "aiops.k8sgptBackend");
    const baseUrl = b?.baseUrl === undefined ? undefined : b && r.string(b, "baseUrl", "aiops.k8sgptBackend");
    if (name !== undefined && !(AI_BACKENDS as readonly string[]).includes(name)) {
        return r.fail("aiops.k8sgptBackend.backend", `"${name}" is not a k8sgpt backend; use one of ${AI_BACKENDS.join(", ")}`);
    }
    if (name === undefined || model === undefined || (b?.baseUrl !== undefined && baseUrl === undefined)) {
        return undefined;
    }
    return { k8sgptApiKeyStored: stored, k8sgptBackend: { backend: name as AiBackend, model, ...(baseUrl ? { baseUrl } : {}) } };
}

/** API server settings; every field has a default, so the key may be left out. */
function readApiServer(r: Reader, value: unknown): ApiServerConfig | undefined {
    const obj = value === undefined ? {} : r.object(value, "apiServer");
    if (!obj) {
        return undefined;
    }
    const oidc = obj.oidc ?? true;
    if (typeof oidc !== "boolean") {
        r.fail("apiServer.oidc", `must be true or false, got ${JSON.stringify(oidc)}`);
    }
    const auditRaw = obj.audit === undefined ? {} : r.object(obj.audit, "apiServer.audit");
    const audit = auditRaw && { maxAgeDays: 7, maxBackups: 10, maxSizeMiB: 100, ...auditRaw };
    const maxAgeDays = audit && r.integer(audit, "maxAgeDays", "apiServer.audit", 1, 366, "keep audit logs 1-366 days");
    const maxBackups = audit && r.integer(audit, "maxBackups", "apiServer.audit", 1, 1000, "keep 1-1000 rotated audit files");
    const maxSizeMiB = audit && r.integer(audit, "maxSizeMiB", "apiServer.audit", 1, 10240, "rotate audit files at 1-10240 MiB");
    const generation = r.integer(
        { encryptionKeyGeneration: 1, ...obj },
        "encryptionKeyGeneration",
        "apiServer",
        1,
        1000,
        "start at 1 and raise it by one to rotate the key",
    );
    if (typeof oidc !== "boolean" || maxAgeDays === undefined || maxBackups === undefined || maxSizeMiB === undefined || generation === undefined) {
        return undefined;
    }
    return { oidc, audit: { maxAgeDays, maxBackups, maxSizeMiB }, encryptionKeyGeneration: generation };
}

function readBackend(r: Reader, value: unknown, privateKey: unknown, network: NetworkConfig | undefined, nodeCount: number): NodeBackend | undefined {
    const obj = value === undefined ? { kind: "multipass" } : r.object(value, "backend");
    if (!obj) {
        return undefined;
    }
    const kind = r.string(obj, "kind", "backend", "multipass");
    if (kind === "multipass") {
        const image = r.string(obj, "image", "backend", "24.04");
        if (image !== undefined && !UBUNTU_2404_IMAGE.test(image)) {
            return r.fail(
                "backend.image",
                `is "${image}"; the node bootstrap pins Ubuntu 24.04 (noble) packages, so use "24.04" (or "noble", or the URL of an Ubuntu 24.04 image)`,
            );
        }
        return image === undefined ? undefined : { kind, image };
    }
    if (kind !== "ssh") {
        return r.fail("backend.kind", `is "${kind}"; use "multipass" (VMs on this machine) or "ssh" (existing hosts)`);
    }
    if (typeof privateKey !== "string" || privateKey.length === 0) {
        r.fail("sshPrivateKey", "is required with backend.kind ssh; set it as a secret: pulumi config set --secret platform:sshPrivateKey < ~/.ssh/id_ed25519");
    }
    const hostsValue = obj.hosts;
    if (!Array.isArray(hostsValue) || hostsValue.length === 0) {
        return r.fail("backend.hosts", "is empty; list the hosts as {name, address, user}, control-plane nodes first");
    }
    if (hostsValue.length < nodeCount) {
        r.fail(
            "backend.hosts",
            `lists ${hostsValue.length} hosts but nodes.controlPlane.count + nodes.workers.count is ${nodeCount}; add hosts or lower the counts`,
        );
    }
    const subnet = network ? parseCidr(network.nodeSubnet) : undefined;
    const hosts: SshHost[] = [];
    hostsValue.forEach((entry, i) => {
        const key = `backend.hosts[${i}]`;
        const host = r.object(entry, key);
        if (!host) {
            return;
        }
        const name = r.string(host, "name", key);
        const address = r.address(host, "address", key, true);
        const user = r.string(host, "user", key, "ubuntu");
        if (name !== undefined && !DNS_LABEL.test(name)) {
            r.fail(`${key}.name`, `"${name}" must be a lowercase DNS label (it becomes the node name)`);
        }
        if (address !== undefined && subnet?.ok && !contains(subnet.cidr, { first: address, last: address })) {
            r.fail(`${key}.address`, `${host.address} is outside network.nodeSubnet ${subnet.cidr.text}; nodes and the MetalLB pool must share one L2 segment`);
        }
        if (name !== undefined && address !== undefined && user !== undefined) {
            hosts.push({ name, address: host.address as string, user });
        }
    });
    for (const field of ["name", "address"] as const) {
        const seen = new Set<string>();
        for (const host of hosts) {
            if (seen.has(host[field])) {
                r.fail("backend.hosts", `${field} "${host[field]}" appears twice; every host needs its own`);
            }
            seen.add(host[field]);
        }
    }
    return { kind, hosts };
}

function readMgmtStack(r: Reader, value: unknown, role: ClusterRole | undefined): string | undefined {
    if (role === "mgmt") {
        return value === undefined ? undefined : r.fail("mgmtStack", "is set on the mgmt stack; only app stacks reference mgmt. Remove it");
    }
    if (value === undefined) {
        return role === "app"
            ? r.fail("mgmtStack", 'is required on an app stack: set the mgmt stack\'s full name, e.g. "organization/platform/mgmt"')
            : undefined;
    }
    if (typeof value !== "string" || !STACK_NAME.test(value)) {
        return r.fail("mgmtStack", `${JSON.stringify(value)} is not a full stack name; write "<org>/<project>/<stack>", e.g. "organization/platform/mgmt"`);
    }
    return value;
}

function readMeshPeers(r: Reader, value: unknown, self: { name: string; id: number } | undefined): MeshPeer[] | undefined {
    if (value === undefined) {
        return [];
    }
    const obj = r.object(value, "mesh");
    if (!obj) {
        return undefined;
    }
    const peers = obj.peers ?? [];
    if (!Array.isArray(peers)) {
        return r.fail("mesh.peers", "must be a list of {name, id, address}");
    }
    const result: MeshPeer[] = [];
    peers.forEach((entry, i) => {
        const key = `mesh.peers[${i}]`;
        const peer = r.object(entry, key);
        if (!peer) {
            return;
        }
        const name = r.string(peer, "name", key);
        const id = r.integer(peer, "id", key, 1, 255, "the peer's Cilium cluster.id, 1-255");
        const address = r.address(peer, "address", key, true);
        if (self && name === self.name) {
            r.fail(`${key}.name`, `"${name}" is this cluster; list only the other clusters`);
        }
        if (self && id === self.id) {
            r.fail(`${key}.id`, `${id} is this cluster's own cluster.id; cluster ids must be unique across the mesh`);
        }
        if (name !== undefined && id !== undefined && address !== undefined) {
            result.push({ name, id, address: peer.address as string });
        }
    });
    for (const field of ["name", "id"] as const) {
        const values = result.map((p) => String(p[field]));
        const dup = values.find((v, i) => values.indexOf(v) !== i);
        if (dup !== undefined) {
            r.fail("mesh.peers", `${field} ${dup} appears twice; each peer is a different cluster`);
        }
    }
    return result;
}

function readSecurity(r: Reader, value: unknown): SecurityConfig | undefined {
    const obj = value === undefined ? {} : r.object(value, "security");
    if (!obj) {
        return undefined;
    }
    const appNamespaces = r.stringList(obj, "appNamespaces", "security", ["application"]);
    const trustedRegistries = r.stringList(obj, "trustedRegistries", "security", [...DEFAULT_TRUSTED_REGISTRIES]);
    for (const ns of appNamespaces ?? []) {
        if (!DNS_LABEL.test(ns) || ns.length > 63) {
            r.fail("security.appNamespaces", `"${ns}" is not a valid namespace name (lowercase DNS label, at most 63 characters)`);
        }
    }
    // The pack and Kyverno must enforce the same list, so an entry either cannot express is refused here.
    (trustedRegistries ?? []).forEach((entry, i) => {
        const problem = trustedRegistryProblem(entry);
        if (problem) {
            r.fail(`security.trustedRegistries[${i}]`, problem);
        }
    });
    return appNamespaces && trustedRegistries ? { appNamespaces, trustedRegistries } : undefined;
}

/**
 * Checks that need every stack at once (run by `npm run plan` over all configs): Cilium Cluster
 * Mesh needs unique names and ids and disjoint pod CIDRs; MetalLB pools on one segment must not
 * hand out the same address twice; and each cluster's view of its peers must match the peers' own
 * config, or the mesh would dial the wrong endpoint.
 */
export function validateAcrossStacks(stacks: Array<{ stack: string; config: StackConfig }>): ConfigError[] {
    const errors: ConfigError[] = [];
    const fail = (stack: string, key: string, message: string) => errors.push({ key: `${stack}: ${PROJECT}:${key}`, message });
    for (let i = 0; i < stacks.length; i++) {
        for (let j = i + 1; j < stacks.length; j++) {
            const a = stacks[i];
            const b = stacks[j];
            if (a.config.name === b.config.name) {
                fail(b.stack, "cluster.name", `"${b.config.name}" is also stack ${a.stack}'s cluster name; mesh cluster names must be unique`);
            }
            if (a.config.id === b.config.id) {
                fail(b.stack, "cluster.id", `${b.config.id} is also stack ${a.stack}'s cluster id; give each cluster its own id`);
            }
            const podA = parseCidr(a.config.network.podCidr);
            const podB = parseCidr(b.config.network.podCidr);
            if (podA.ok && podB.ok && overlaps(podA.cidr, podB.cidr)) {
                fail(
                    b.stack,
                    "network.podCidr",
                    `${b.config.network.podCidr} overlaps stack ${a.stack}'s podCidr ${a.config.network.podCidr}; Cilium Cluster Mesh needs disjoint pod CIDRs`,
                );
            }
            const poolA = parseRange(a.config.network.lbPool);
            const poolB = parseRange(b.config.network.lbPool);
            if (poolA.ok && poolB.ok && overlaps(poolA.range, poolB.range)) {
                fail(
                    b.stack,
                    "network.lbPool",
                    `${b.config.network.lbPool} overlaps stack ${a.stack}'s lbPool ${a.config.network.lbPool}; LoadBalancer pools must be disjoint`,
                );
            }
        }
    }
    for (const { stack, config } of stacks) {
        for (const other of stacks) {
            if (other === undefined || other.config === config) {
                continue;
            }
            const peer = config.meshPeers.find((p) => p.name === other.config.name);
            if (!peer) {
                fail(
                    stack,
                    "mesh.peers",
                    `does not list cluster "${other.config.name}" (stack ${other.stack}); ` +
                        `add {name: ${other.config.name}, id: ${other.config.id}, address: ${other.config.network.clusterMeshIp}}`,
                );
                continue;
            }
            if (peer.id !== other.config.id || peer.address !== other.config.network.clusterMeshIp) {
                fail(
                    stack,
                    "mesh.peers",
                    `entry "${peer.name}" says id ${peer.id}, address ${peer.address}, ` +
                        `but stack ${other.stack} has id ${other.config.id}, clusterMeshIp ${other.config.network.clusterMeshIp}; make them agree`,
                );
            }
        }
    }
    return errors;
}
