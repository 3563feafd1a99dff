/**
 * The world phase2-check.sh is run against in cert-manager.spec.ts: a real PKI made with openssl
 * (Vault's root and intermediate, and an impostor "Bootstrap Intermediate CA"), clusters app1 and
 * mgmt as fake-kubectl.cjs state, and a runner that puts the fake first on PATH.
 */
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const SCRIPT = path.resolve(__dirname, "../../../tools/trust/phase2-check.sh");
export const VAULT_CA_PATH = "/api/v1/namespaces/vault/services/https:vault:8200/proxy/v1/pki_int/ca/pem";

/** PEMs of the test PKI. */
export interface TestPki {
    /** Vault's pki_int intermediate: what the script must trust. */
    intermediate: string;
    /** A leaf for `*.app1.local.dev` signed by it, followed by the intermediate (as cert-manager writes tls.crt). */
    vaultLeaf: string;
    /** A leaf signed by a self-signed CA whose name also says "Intermediate". */
    impostorLeaf: string;
}

/** Makes the PKI in `dir` with the real openssl (P-256 keys, one-day certificates). */
export function makePki(dir: string): TestPki {
    const file = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const key = (name: string) => ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", file(`${name}.key`)];
    fs.writeFileSync(file("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    fs.writeFileSync(file("leaf.ext"), "basicConstraints=CA:FALSE\nsubjectAltName=DNS:*.app1.local.dev,DNS:app1.local.dev\n");
    const selfSigned = (name: string, cn: string) => openssl("req", "-x509", ...key(name), "-subj", `/CN=${cn}`, "-days", "1", "-out", file(`${name}.pem`));
    const signed = (name: string, cn: string, ca: string, ext: string, serial: string) => {
        openssl("req", "-new", ...key(name), "-subj", `/CN=${cn}`, "-out", file(`${name}.csr`));
        openssl(
            "x509",
            "-req",
            "-in",
            file(`${name}.csr`),
            "-CA",
            file(`${ca}.pem`),
            "-CAkey",
            file(`${ca}.key`),
            "-set_serial",
            serial,
            "-days",
            "1",
            "-extfile",
            file(ext),
            "-out",
            file(`${name}.pem`),
        );
    };
    selfSigned("root", "Platform Root CA");
    signed("intermediate", "Platform Intermediate CA", "root", "ca.ext", "0x1001");
    signed("leaf", "*.app1.local.dev", "intermediate", "leaf.ext", "0x2001");
    selfSigned("impostor-ca", "Bootstrap Intermediate CA");
    signed("impostor", "*.app1.local.dev", "impostor-ca", "leaf.ext", "0x3001");
    const read = (name: string) => fs.readFileSync(file(`${name}.pem`), "utf8");
    return { intermediate: read("intermediate"), vaultLeaf: read("leaf") + read("intermediate"), impostorLeaf: read("impostor") + read("impostor-ca") };
}

const ready = (status: string) => ({
    conditions: [
        { type: "Issuing", status: "False" },
        { type: "Ready", status },
    ],
});

/** A Certificate of the platform's shape, Ready, issued by vault-issuer. */
export function certificate(namespace: string, name: string, issuerRef: Record<string, string> = { kind: "ClusterIssuer", name: "vault-issuer" }) {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name, namespace },
        spec: { secretName: name, issuerRef: { group: "cert-manager.io", ...issuerRef }, dnsNames: [`${name}.app1.local.dev`] },
        status: ready("True"),
    };
}

export function tlsSecret(namespace: string, name: string, pem: string) {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace },
        type: "kubernetes.io/tls",
        data: { "tls.crt": Buffer.from(pem).toString("base64") },
    };
}

/**
 * Phase 2 done on app1: vault-issuer Ready (its Ready condition is not the first; the first says
 * True), the wildcard and one other Certificate issued by it, Vault's CA served on mgmt, and a
 * test issuance that gets Ready with a Vault-signed certificate.
 */
export function healthyState(pki: TestPki): any {
    return {
        current: "app1",
        clusters: {
            app1: {
                objects: {
                    clusterissuers: [
                        {
                            apiVersion: "cert-manager.io/v1",
                            kind: "ClusterIssuer",
                            metadata: { name: "vault-issuer" },
                            spec: { vault: { server: "https://192.168.64.201:8200", path: "pki_int/sign/k8s-certs" } },
                            status: {
                                conditions: [
                                    { type: "Other", status: "False" },
                                    { type: "Ready", status: "True" },
                                ],
                            },
                        },
                    ],
                    issuers: [],
                    certificates: [certificate("gateway-system", "wildcard-tls"), certificate("keycloak", "keycloak-tls")],
                    secrets: [tlsSecret("gateway-system", "wildcard-tls", pki.vaultLeaf)],
                },
                issuance: { ready: true, tlsCrt: pki.vaultLeaf },
            },
            mgmt: { objects: {}, raw: { [VAULT_CA_PATH]: pki.intermediate } },
        },
    };
}

/** What one run of the script did. */
export interface ScriptRun {
    status: number;
    stdout: string;
    stderr: string;
    /** kubectl's argument lists, in call order. */
    calls: string[][];
    /** The clusters afterwards. */
    state: any;
}

/** The real kubectl, which renders the fake's jsonpath; undefined when not installed. */
export function realKubectl(): string | undefined {
    const found = spawnSync("which", ["kubectl"], { encoding: "utf8" });
    return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Runs the script with `args` against `state`, the fake kubectl first on PATH. */
export function runScript(state: unknown, args: string[]): Promise<ScriptRun> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phase2-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const kubectl = path.join(bin, "kubectl");
    fs.writeFileSync(kubectl, `#!/bin/sh\nexec "${process.execPath}" "${path.join(__dirname, "fake-kubectl.cjs")}" "$@"\n`, { mode: 0o755 });
    const stateFile = path.join(dir, "state.json");
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(stateFile, JSON.stringify(state));
    fs.writeFileSync(log, "");
    const env = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_KUBECTL_STATE: stateFile,
        FAKE_KUBECTL_LOG: log,
        REAL_KUBECTL: realKubectl() ?? "kubectl",
    };
    return new Promise((resolve) => {
        execFile("bash", [SCRIPT, ...args], { env, encoding: "utf8" }, (error, stdout, stderr) => {
            const run: ScriptRun = {
                status: error ? Number((error as { code?: number }).code ?? 1) : 0,
                stdout,
                stderr,
                calls: fs
                    .readFileSync(log, "utf8")
                    .split("\n")
                    .filter(Boolean)
                    .map((l) => JSON.parse(l)),
                state: JSON.parse(fs.readFileSync(stateFile, "utf8")),
            };
            fs.rmSync(dir, { recursive: true, force: true });
            resolve(run);
        });
    });
}
