/**
 * The values that let a node join, parsed into branded types (like cluster-api's
 * BootstrapTokenString): a string becomes a `BootstrapToken` or `CaCertHash` only through its parser,
 * so a kubeadm config cannot be rendered from an unchecked value. Errors name the value's role and
 * never print a secret.
 */
import { NodeFile } from "../vm-node/script";

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** `[a-z0-9]{6}.[a-z0-9]{16}`: token id, dot, token secret. */
export type BootstrapToken = Brand<string, "BootstrapToken">;
/** `sha256:<64 hex>` of the cluster CA's public key (kubeadm join --discovery-token-ca-cert-hash). */
export type CaCertHash = Brand<string, "CaCertHash">;

/** k8s.io/cluster-bootstrap/token/api BootstrapTokenPattern. */
const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const CA_HASH = /^sha256:[0-9a-f]{64}$/;
/** Random bytes for one token: 22 hex characters, 6 for the id and 16 for the secret (hex is within [a-z0-9]). */
export const TOKEN_BYTES = 11;

/** Parses a bootstrap token; `role` names it in the error, which never shows the value. */
export function parseBootstrapToken(value: string, role: string): BootstrapToken {
    if (!TOKEN.test(value)) {
        throw new Error(`${role} is not a bootstrap token: expected [a-z0-9]{6}.[a-z0-9]{16}, got ${value.length} characters (value not shown)`);
    }
    return value as BootstrapToken;
}

/** A token from `TOKEN_BYTES` random bytes in hex (random.RandomBytes `hex`). */
export function bootstrapTokenFromHex(hex: string, role: string): BootstrapToken {
    if (!/^[0-9a-f]+$/.test(hex) || hex.length !== 2 * TOKEN_BYTES) {
        throw new Error(`${role} needs ${2 * TOKEN_BYTES} lowercase hex characters of random bytes, got ${hex.length} characters (value not shown)`);
    }
    return parseBootstrapToken(`${hex.slice(0, 6)}.${hex.slice(6)}`, role);
}

/** The public half of a token: the id in `kubeadm token delete` and the Secret name `bootstrap-token-<id>`. */
export function bootstrapTokenId(token: BootstrapToken): string {
    return (TOKEN.exec(token) as RegExpExecArray)[1];
}

/** Parses the CA hash `init` prints as its only stdout. Not a secret, so the error quotes it. */
export function parseCaCertHash(value: string, role: string): CaCertHash {
    const hash = value.trim();
    if (!CA_HASH.test(hash)) {
        throw new Error(`${role} is not a CA cert hash: expected sha256:<64 hex>, got ${JSON.stringify(hash.slice(0, 80))}`);
    }
    return hash as CaCertHash;
}

/**
 * The files a control-plane node needs from the first one before `kubeadm join --control-plane`,
 * when certificates are distributed by hand instead of uploaded (kubernetes.io "Creating Highly
 * Available Clusters with kubeadm", #manual-certs): "Copy only the certificates in the above list.
 * kubeadm will take care of generating the rest". Paths are relative to /etc/kubernetes/pki.
 */
export const SHARED_CONTROL_PLANE_FILES: readonly string[] = [
    "ca.crt",
    "ca.key",
    "sa.key",
    "sa.pub",
    "front-proxy-ca.crt",
    "front-proxy-ca.key",
    "etcd/ca.crt",
    "etcd/ca.key",
];

export const PKI_DIR = "/etc/kubernetes/pki";

/**
 * Parses what a control-plane credentials step prints: `{"files": {"<name>": "<base64>", ...}}` with
 * every shared file, each a PEM document. Returns them as node files (keys 0600, the rest 0644).
 */
export function parseControlPlaneFiles(stdout: string, role: string): NodeFile[] {
    let doc: unknown;
    try {
        doc = JSON.parse(stdout);
    } catch {
        throw new Error(`${role} did not print the shared control-plane files as JSON (${stdout.length} characters, not shown)`);
    }
    const files = (doc as { files?: Record<string, unknown> } | null)?.files ?? {};
    return SHARED_CONTROL_PLANE_FILES.map((name) => {
        const encoded = files[name];
        const content = typeof encoded === "string" ? Buffer.from(encoded, "base64").toString("utf8") : "";
        if (!content.startsWith("-----BEGIN ")) {
            throw new Error(`${role} is missing ${PKI_DIR}/${name} or it is not PEM; is the first control-plane node initialised?`);
        }
        return { path: `${PKI_DIR}/${name}`, content, mode: name.endsWith(".key") ? "0600" : "0644" };
    });
}

/** What the kubeconfig step reads from the cluster: a ServiceAccount token bound to cluster-admin and the cluster CA. */
export interface AdminCredential {
    /** The cluster CA bundle, base64 (kubeconfig `certificate-authority-data`). */
    certificateAuthorityData: string;
    /** The ServiceAccount token (a JWT). */
    token: string;
}

/** Parses the kubeconfig step's stdout `{"certificateAuthorityData": "...", "token": "..."}`. */
export function parseAdminCredential(stdout: string, role: string): AdminCredential {
    let doc: Partial<AdminCredential> | null = null;
    try {
        doc = JSON.parse(stdout) as Partial<AdminCredential> | null;
    } catch {
        // reported below, without the text
    }
    const ca = doc?.certificateAuthorityData;
    const token = doc?.token;
    if (typeof ca !== "string" || !/^[A-Za-z0-9+/]+=*$/.test(ca)) {
        throw new Error(`${role} printed no base64 certificateAuthorityData (${stdout.length} characters, not shown)`);
    }
    if (typeof token !== "string" || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
        throw new Error(`${role} printed no ServiceAccount token (a JWT); value not shown`);
    }
    return { certificateAuthorityData: ca, token };
}
