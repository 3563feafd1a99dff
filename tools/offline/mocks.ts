/**
 * What the outside world would answer, simulated deterministically for the offline plan and the
 * tests: Multipass reports the planned IPs, kubeadm prints a CA hash and an admin.conf, random
 * resources return fixed placeholders. Every value is derived from the resource name, never from
 * time or randomness, so two plans are byte-identical.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

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

function fakeKubeconfig(clusterName: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters:\n- name: ${clusterName}\n  cluster:\n    server: https://127.0.0.1:6443\n    certificate-authority-data: ${PLACEHOLDER}`,
        `users:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: ${PLACEHOLDER}\n    client-key-data: ${PLACEHOLDER}`,
        `contexts:\n- name: kubernetes-admin@${clusterName}\n  context:\n    cluster: ${clusterName}\n    user: kubernetes-admin`,
        `current-context: kubernetes-admin@${clusterName}`,
        "",
    ].join("\n");
}

/** The simulated stdout of a command, by the role in its name (`${name}-<role>`). */
function commandStdout(name: string, inputs: Record<string, any>, world: MockWorld): string {
    if (name.endsWith("-launch")) {
        const vm = String(inputs.environment?.VM_NAME);
        const ip = world.simulatedIps[vm];
        if (!ip) {
            throw new Error(`offline plan: no simulated IP for VM ${vm}`);
        }
        return JSON.stringify({ errors: [], info: { [vm]: { state: "Running", ipv4: [ip], release: "Ubuntu 24.04 LTS" } } });
    }
    if (name.endsWith("-init")) {
        return `sha256:${digest(name)}\n`;
    }
    if (name.endsWith("-kubeconfig")) {
        return fakeKubeconfig(name.replace(/-kubeconfig$/, ""));
    }
    return "";
}

export function platformMocks(world: MockWorld): pulumi.runtime.Mocks {
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
            const inputs = args.inputs;
            if (world.firstPreview && args.type !== "pulumi:pulumi:StackReference") {
                return { id: "", state: inputs };
            }
            switch (args.type) {
                case "pulumi:pulumi:StackReference": {
                    const ref = world.stackReferences[args.name] ?? world.stackReferences[inputs.name];
                    if (!ref) {
                        throw new Error(`offline plan: no outputs known for stack reference ${inputs.name ?? args.name}`);
                    }
                    return { id: args.name, state: { name: args.name, outputs: ref.outputs, secretOutputNames: ref.secretOutputNames } };
                }
                case "command:local:Command":
                case "command:remote:Command":
                    return { id: `${args.name}-id`, state: { ...inputs, stdout: commandStdout(args.name, inputs, world), stderr: "" } };
                case "random:index/randomString:RandomString":
                    return { id: `${args.name}-id`, state: { ...inputs, result: alphanumeric(args.name, Number(inputs.length)) } };
                case "random:index/randomId:RandomId": {
                    const hex = digest(args.name).slice(0, 2 * Number(inputs.byteLength));
                    return { id: `${args.name}-id`, state: { ...inputs, hex, b64Std: Buffer.from(hex, "hex").toString("base64") } };
                }
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
                    return { id: `${args.name}-id`, state: { ...inputs, certPem: `-----BEGIN CERTIFICATE-----\n${PLACEHOLDER}-${alphanumeric(args.name, 16)}\n-----END CERTIFICATE-----\n` } };
                case "tls:index/certRequest:CertRequest":
                    return { id: `${args.name}-id`, state: { ...inputs, certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${PLACEHOLDER}\n-----END CERTIFICATE REQUEST-----\n` } };
                default:
                    return { id: args.custom ? `${args.name}-id` : "", state: inputs };
            }
        },
        call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
            return args.inputs;
        },
    };
}
