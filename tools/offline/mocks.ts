/**
 * What the outside world would answer, simulated deterministically for the offline plan and the
 * tests: Multipass reports the planned IPs, kubeadm prints a CA hash and an admin.conf, random
 * resources return fixed placeholders. Every value is derived from the resource name, never from
 * time or randomness, so two plans are byte-identical.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { SHARED_CONTROL_PLANE_FILES } from "../../components/kubeadm-cluster/credentials";
import { KUBEADM_CLUSTER_TYPE, parseStepId } from "../../components/kubeadm-cluster/steps";
import { MANIFEST_API_VERSIONS } from "../../components/lib/manifest-kinds";
import { INIT_ROLE, InitOutput, VAULT_PKI_TYPE } from "../../components/vault-pki/steps";
import { MANIFESTS, PinnedFile } from "../../config/versions";
import { LABEL_DOMAIN } from "../../policy-pack/conventions";

/** Outputs a mocked StackReference returns. */
export interface StackReferenceState {
    outputs: Record<string, unknown>;
    secretOutputNames: string[];
}

/** What the mocks need to know about the world. */
export interface MockWorld {
    /** VM name → the IP Multipass would report. */
    simulatedIps: Record<string, string>;
    /** Fully qualified stack name → its outputs. */
    stackReferences: Record<string, StackReferenceState>;
    /**
     * Simulate the first `pulumi preview`, before anything exists: providers compute nothing yet,
     * so every resource's outputs are only its inputs (VM IPs, keys, kubeconfig: unknown).
     */
    firstPreview?: boolean;
    /**
     * Simulate `pulumi preview` with the kubeconfig known but the cluster down (a CI runner, stopped
     * VMs): every Kubernetes invoke, read and provider-side component fails as pulumi-kubernetes
     * fails it, while plain resources still register (the provider previews them offline).
     */
    unreachableCluster?: boolean;
}

/** Marks a simulated secret so nobody mistakes it for a real one. */
export const PLACEHOLDER = "offline-plan-placeholder";

function digest(name: string): string {
    return createHash("sha256").update(name).digest("hex");
}

/** Deterministic [a-z0-9] string of `length` characters. */
function alphanumeric(name: string, length: number): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const bytes = createHash("sha512").update(name).digest();
    return Array.from({ length }, (_, i) => alphabet[bytes[i % bytes.length] % alphabet.length]).join("");
}

/** A PEM document that is visibly a placeholder. */
function placeholderPem(label: string, name: string): string {
    return `-----BEGIN ${label}-----\n${PLACEHOLDER}-${alphanumeric(name, 16)}\n-----END ${label}-----\n`;
}

/**
 * What a kubeadm step prints (components/kubeadm-cluster/steps.ts), by its step id: init the CA hash,
 * join credentials the shared control-plane files (for a worker too: its join does not read them),
 * kubeconfig the admin ServiceAccount token and CA. pulumi-command trims the final newline.
 */
function stepStdout(cluster: string, stepId: string): string | undefined {
    switch (parseStepId(stepId)?.kind) {
        case "init":
            return `sha256:${digest(cluster)}`;
        case "join-credentials": {
            const pem = (file: string) =>
                placeholderPem(file.endsWith(".crt") ? "CERTIFICATE" : file.endsWith(".pub") ? "PUBLIC KEY" : "PRIVATE KEY", `${cluster}/${file}`);
            return JSON.stringify({ files: Object.fromEntries(SHARED_CONTROL_PLANE_FILES.map((f) => [f, Buffer.from(pem(f)).toString("base64")])) });
        }
        case "kubeconfig":
            return JSON.stringify({
                certificateAuthorityData: Buffer.from(placeholderPem("CERTIFICATE", `${cluster}/ca.crt`)).toString("base64"),
                token: `${PLACEHOLDER}.${alphanumeric(cluster, 32)}.${alphanumeric(`${cluster}/signature`, 43)}`,
            });
        case undefined:
            return undefined;
        default:
            return "";
    }
}

/** A UUID-shaped ID (Vault's issuer and key IDs), derived from `name`. */
function uuid(name: string): string {
    const hex = digest(name);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** What a VaultPki's init step prints (components/vault-pki/steps.ts): one unseal key and the root token. */
function vaultInitStdout(vault: string): string {
    const output: InitOutput = {
        unseal_keys_b64: [Buffer.from(`${PLACEHOLDER}-${alphanumeric(`${vault}/unseal`, 24)}`).toString("base64")],
        root_token: `hvs.${PLACEHOLDER}-${alphanumeric(`${vault}/root`, 24)}`,
    };
    return JSON.stringify(output);
}

/** Outputs the Vault provider would compute, by resource type (@pulumi/vault 7.8.0). */
function vaultState(type: string, name: string): Record<string, unknown> | undefined {
    switch (type) {
        case "vault:index/mount:Mount":
            return { accessor: `${PLACEHOLDER}_${alphanumeric(name, 8)}` };
        case "vault:index/token:Token":
            return { clientToken: `hvs.${PLACEHOLDER}-${alphanumeric(name, 24)}`, leaseDuration: 768 * 3600, renewable: true };
        case "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert":
            return {
                certificate: placeholderPem("CERTIFICATE", name),
                issuingCa: placeholderPem("CERTIFICATE", name),
                issuerId: uuid(`${name}/issuer`),
                keyId: uuid(`${name}/key`),
                serialNumber: digest(name).slice(0, 16),
            };
        case "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest":
            return { csr: placeholderPem("CERTIFICATE REQUEST", name), keyId: uuid(`${name}/key`) };
        case "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate": {
            const certificate = placeholderPem("CERTIFICATE", name);
            const issuingCa = placeholderPem("CERTIFICATE", `${name}/issuing-ca`);
            return {
                certificate,
                issuingCa,
                caChains: [certificate, issuingCa],
                certificateBundle: `${certificate}${issuingCa}`,
                serialNumber: digest(name).slice(0, 16),
            };
        }
        case "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned":
            return { importedIssuers: [uuid(`${name}/issuer`)], importedKeys: [] };
        default:
            return undefined;
    }
}

/** The simulated stdout of a command: a launch by its VM, a VaultPki's init step, a kubeadm step by its step id within `clusters`. */
function commandStdout(name: string, inputs: Record<string, any>, world: MockWorld, clusters: ReadonlySet<string>, vaults: ReadonlySet<string>): string {
    const vault = [...vaults].find((v) => name === `${v}-${INIT_ROLE}`);
    if (vault !== undefined) {
        return vaultInitStdout(vault);
    }
    if (name.endsWith("-launch")) {
        const vm = String(inputs.environment?.VM_NAME);
        const ip = world.simulatedIps[vm];
        if (!ip) {
            throw new Error(`offline plan: no simulated IP for VM ${vm}`);
        }
        return JSON.stringify({ errors: [], info: { [vm]: { state: "Running", ipv4: [ip], release: "Ubuntu 24.04 LTS" } } });
    }
    for (const cluster of [...clusters].sort((a, b) => b.length - a.length)) {
        const stdout = name.startsWith(`${cluster}-`) ? stepStdout(cluster, name.slice(cluster.length + 1)) : undefined;
        if (stdout !== undefined) {
            return stdout;
        }
    }
    return "";
}

/** pulumi-kubernetes' error when the kubeconfig is known but the API server does not answer (provider_construct.go, provider.go). */
export const UNREACHABLE = "configured Kubernetes cluster is unreachable";

/**
 * What needs the cluster even in a preview: reading a live object (`.get`, an import), and a
 * component the provider builds (yaml/v2, helm.sh/v4 Chart, kustomize/v2), whose Construct renders
 * against the cluster once the kubeconfig is known.
 */
function assertNeedsNoCluster(args: pulumi.runtime.MockResourceArgs): void {
    if (!args.type.startsWith("kubernetes:")) {
        return;
    }
    if (args.id) {
        throw new Error(`${UNREACHABLE}: cannot read ${args.type} ${args.name} (id ${args.id})`);
    }
    if (!args.custom) {
        throw new Error(`${UNREACHABLE}: cannot construct component ${args.type} ${args.name}`);
    }
}

/** A failed invoke as the SDK reports it: it keeps only a gRPC error's `details` (runtime/invoke.js). */
function invokeError(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

/** Where the offline plan reads the upstream copy of a pinned manifest's files (the real program fetches their URLs). */
const OFFLINE_COPIES: Record<keyof typeof MANIFESTS, string> = {
    gatewayApi: path.resolve(__dirname, "../../../shared/schemas/crds/gateway-api"),
};

/** Marks an object the offline plan registers without its content: no upstream copy of its file is at hand. */
export const OFFLINE_UNREAD_ANNOTATION = `${LABEL_DOMAIN}/offline-plan-unread`;

/**
 * A stand-in for a pinned file the offline plan has no copy of: each pinned object with its kind,
 * apiVersion and name, an annotation that says its content was not read, and an empty spec (the
 * typed resources require one). The real program applies the fetched file; the plan still shows
 * every object it would create.
 */
function standIn(file: PinnedFile): string {
    return file.objects
        .map((id) => {
            const [kind, name] = [id.slice(0, id.indexOf("/")), id.slice(id.indexOf("/") + 1)];
            const note = `not read: the offline plan has no copy of ${file.url}; the real program applies that file`;
            return stringify({
                apiVersion: MANIFEST_API_VERSIONS[kind],
                kind,
                metadata: { name, annotations: { [OFFLINE_UNREAD_ANNOTATION]: note } },
                spec: {},
            });
        })
        .join("---\n");
}

/** What the fetch of a pinned file prints (base64 of its bytes): the upstream copy in ../shared, or a stand-in. */
function pinnedFileStdout(url: string): string {
    for (const [key, pin] of Object.entries(MANIFESTS) as [keyof typeof MANIFESTS, (typeof MANIFESTS)[keyof typeof MANIFESTS]][]) {
        const file = pin.files.find((f) => f.url === url);
        if (file) {
            const copy = path.join(OFFLINE_COPIES[key], path.basename(new URL(url).pathname));
            return (fs.existsSync(copy) ? fs.readFileSync(copy) : Buffer.from(standIn(file))).toString("base64");
        }
    }
    throw new Error(`offline plan: ${url} is not a file pinned in config/versions.ts MANIFESTS`);
}

/** Mocks over `world`, for the program of the stack named `self` (fully qualified). */
export function platformMocks(world: MockWorld, self: string): pulumi.runtime.Mocks {
    // KubeadmCluster components register before their steps: their names tell a step's id from its resource name.
    const clusters = new Set<string>();
    // VaultPki components register before their init step: the step is named after the component.
    const vaults = new Set<string>();
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
            const inputs = args.inputs;
            if (world.unreachableCluster) {
                assertNeedsNoCluster(args);
            }
            if (world.firstPreview && args.type !== "pulumi:pulumi:StackReference") {
                return { id: "", state: inputs };
            }
            switch (args.type) {
                case KUBEADM_CLUSTER_TYPE:
                    clusters.add(args.name);
                    return { id: "", state: inputs };
                case VAULT_PKI_TYPE:
                    vaults.add(args.name);
                    return { id: "", state: inputs };
                case "pulumi:pulumi:StackReference": {
                    // A stack reading itself before its first update ends sees no outputs (stacks/stage-guard.ts).
                    const ref =
                        world.stackReferences[args.name] ??
                        world.stackReferences[inputs.name] ??
                        (inputs.name === self ? { outputs: {}, secretOutputNames: [] } : undefined);
                    if (!ref) {
                        throw new Error(`offline plan: no outputs known for stack reference ${inputs.name ?? args.name}`);
                    }
                    return { id: args.name, state: { name: args.name, outputs: ref.outputs, secretOutputNames: ref.secretOutputNames } };
                }
                case "command:local:Command":
                case "command:remote:Command":
                    return { id: `${args.name}-id`, state: { ...inputs, stdout: commandStdout(args.name, inputs, world, clusters, vaults), stderr: "" } };
                case "random:index/randomBytes:RandomBytes": {
                    // terraform-provider-random stores RandomBytes under the ID "none": its value is never an ID.
                    const bytes = createHash("sha512").update(args.name).digest().subarray(0, Number(inputs.length));
                    return { id: "none", state: { ...inputs, hex: bytes.toString("hex"), base64: bytes.toString("base64") } };
                }
                case "random:index/randomPassword:RandomPassword":
                    // Like RandomBytes, stored under the ID "none"; at least `length` characters.
                    return { id: "none", state: { ...inputs, result: `${PLACEHOLDER}-${alphanumeric(args.name, Number(inputs.length))}` } };
                case "tls:index/privateKey:PrivateKey":
                    return {
                        id: `${args.name}-id`,
                        state: {
                            ...inputs,
                            privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${PLACEHOLDER}\n-----END OPENSSH PRIVATE KEY-----\n`,
                            privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${PLACEHOLDER}\n-----END PRIVATE KEY-----\n`,
                            publicKeyOpenssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${alphanumeric(args.name, 43)} ${PLACEHOLDER}\n`,
                        },
                    };
                case "tls:index/selfSignedCert:SelfSignedCert":
                case "tls:index/locallySignedCert:LocallySignedCert":
                    return {
                        id: `${args.name}-id`,
                        state: {
                            ...inputs,
                            certPem: `-----BEGIN CERTIFICATE-----\n${PLACEHOLDER}-${alphanumeric(args.name, 16)}\n-----END CERTIFICATE-----\n`,
                        },
                    };
                case "tls:index/certRequest:CertRequest":
                    return {
                        id: `${args.name}-id`,
                        state: { ...inputs, certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${PLACEHOLDER}\n-----END CERTIFICATE REQUEST-----\n` },
                    };
                default: {
                    const computed = args.type.startsWith("vault:") ? vaultState(args.type, args.name) : undefined;
                    return { id: args.custom ? `${args.name}-id` : "", state: { ...inputs, ...computed } };
                }
            }
        },
        call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
            if (world.unreachableCluster && args.token.startsWith("kubernetes:")) {
                throw invokeError(`${UNREACHABLE}: invoke ${args.token}`);
            }
            if (args.token === "command:local:run" && typeof args.inputs.environment?.PINNED_URL === "string") {
                return { ...args.inputs, stdout: pinnedFileStdout(args.inputs.environment.PINNED_URL), stderr: "" };
            }
            throw invokeError(
                `offline plan: no mock answers invoke ${args.token} (${JSON.stringify(args.inputs).slice(0, 200)}); ` +
                    "add one to call() in tools/offline/mocks.ts",
            );
        },
    };
}
