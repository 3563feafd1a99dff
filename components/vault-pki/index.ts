/**
 * VaultPki: Vault on mgmt (raft, one replica, data on a Retain volume, TLS listener on a fixed
 * LoadBalancer IP), initialised and unsealed by two steps, then configured with @pulumi/vault: the
 * PKI of seed 001 §11 (pki.ts), the KV v2 mount of platform credentials and the onboarding
 * credential app stacks use to create their own auth mounts.
 *
 * After a restart: Vault seals itself (Shamir) and the platform does not unseal it on its own, as
 * the key never enters the cluster. `npm run vault:unseal` does, from the stack's secret outputs
 * (tools/vault/unseal.ts). The data is on the raft volume (local-path-retain), so nothing is lost.
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { CHARTS } from "../../config/versions";
import { pinnedRelease } from "../lib/pinned-release";
import { namespaceMetadata } from "../lib/psa";
import { KV_MOUNT, VAULT_SERVICE } from "../lib/trust";
import { createPki, PKI_SIGN_PATH } from "./pki";
import { vaultProvider } from "./provider";
import { INIT_ROLE, parseInitOutput, renderStepProgram, STEP_WAIT_SECONDS, VAULT_PKI_TYPE, VaultStep } from "./steps";
import { listenerTls } from "./tls";
import { VAULT_RELEASE, vaultValues } from "./values";

export { VAULT_STACK_OUTPUTS } from "./steps";

/** `https://<ip>:8200`. */
export function vaultAddress(vaultIp: string): string {
    return `https://${vaultIp}:${VAULT_SERVICE.port}`;
}

/**
 * The inputs of a step's Command. `node -` runs the program from stdin (as the config guard does);
 * the previous stdout stays out of the environment, since the init step's holds the keys.
 */
export function stepCommandArgs(step: VaultStep, environment: Record<string, pulumi.Input<string>>): command.local.CommandArgs {
    return {
        interpreter: ["node", "-"],
        create: `vault-${step}`,
        stdin: renderStepProgram(step),
        environment: { ...environment, VAULT_WAIT_SECONDS: String(STEP_WAIT_SECONDS) },
        logging: "none",
        addPreviousOutputInEnv: false,
    };
}

/** Arguments of a VaultPki. */
export interface VaultPkiArgs {
    /** Cluster name (mgmt's), for MetalLB's service pool. */
    clusterName: string;
    /** Vault's fixed LoadBalancer IP, in mgmt's service pool (config `network.serviceIps.vault`). */
    vaultIp: string;
    /** StorageClass of the raft volume: "local-path-retain", so the data outlives the claim. */
    storageClass: string;
    /** Provider of mgmt. */
    provider: k8s.Provider;
    /** What must run first: the CNI, MetalLB with its pools, local-path. Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** Vault with its PKI, KV mount and onboarding credential. */
export class VaultPki extends pulumi.ComponentResource {
    /** `https://<vaultIp>:8200`. */
    public readonly address: string;
    /** The listener CA (PEM, public): what clients of `address` trust. */
    public readonly serverCaPem: pulumi.Output<string>;
    /** The PKI root certificate (PEM, public): the trust anchor of certificates cert-manager issues. */
    public readonly rootCaPem: pulumi.Output<string>;
    /** The intermediate that signs them (PEM, public). */
    public readonly intermediateCaPem: pulumi.Output<string>;
    /** The Vault provider, with the root token, ordered after unseal. */
    public readonly provider: vault.Provider;
    /** The KV v2 mount of platform credentials. */
    public readonly kvMount: string;
    /** What cert-manager's `vault-issuer` signs through. */
    public readonly pkiSignPath: string;
    /** The onboarding token of app stacks (secret). */
    public readonly onboardingToken: pulumi.Output<string>;
    /** The unseal key (secret), for `npm run vault:unseal`. */
    public readonly unsealKey: pulumi.Output<string>;
    /** The root token (secret). */
    public readonly rootToken: pulumi.Output<string>;
    /** What Vault-dependent resources depend on. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: VaultPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super(VAULT_PKI_TYPE, name, {}, opts);
        const address = vaultAddress(args.vaultIp);
        // restricted: the values meet it (non-root, RuntimeDefault seccomp, no capabilities, no host access).
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: namespaceMetadata({ name: VAULT_SERVICE.namespace, level: "restricted" }) },
            { parent: this, provider: args.provider },
        );
        const listener = listenerTls(name, args.vaultIp, namespace, args.provider, this);
        // A sealed, uninitialised Vault is never Ready: Helm must not wait for it; the init step waits instead.
        const { release } = pinnedRelease(
            name,
            {
                chart: CHARTS.vault,
                releaseName: VAULT_RELEASE,
                namespace: { existing: VAULT_SERVICE.namespace },
                values: vaultValues(args),
                provider: args.provider,
                after: [...args.after, namespace, listener.secret],
                skipAwait: true,
            },
            this,
        );
        const connection = { VAULT_ADDR: address, VAULT_CACERT_PEM: listener.caPem };
        // Created once and never run again: later changes to its program or address are ignored,
        // and nothing runs on delete (the keys exist only in this state; deleting must not touch
        // Vault). A replacement (`pulumi up --replace`) is create-before-delete, so if the new run
        // refuses (Vault is initialised), the recorded keys stay.
        const init = new command.local.Command(`${name}-${INIT_ROLE}`, stepCommandArgs("init", connection), {
            parent: this,
            dependsOn: [release],
            additionalSecretOutputs: ["stdout"],
            ignoreChanges: ["environment", "stdin"],
            deleteBeforeReplace: false,
        });
        const keys = init.stdout.apply(parseInitOutput);
        this.unsealKey = pulumi.secret(keys.apply((k) => k.unsealKey));
        this.rootToken = pulumi.secret(keys.apply((k) => k.rootToken));
        // Idempotent, and runs again whenever its inputs change: a new key (a new init) or a new CA.
        const unseal = new command.local.Command(`${name}-unseal`, stepCommandArgs("unseal", { ...connection, VAULT_UNSEAL_KEY: this.unsealKey }), {
            parent: this,
            dependsOn: [init],
            additionalSecretOutputs: ["stdout"],
        });
        this.provider = vaultProvider(`${name}-provider`, { address, caCertPem: listener.caPem, token: this.rootToken }, { parent: this, dependsOn: [unseal] });
        const pki = createPki(name, { provider: this.provider, address }, this);

        this.address = address;
        this.serverCaPem = listener.caPem;
        this.rootCaPem = pki.rootCaPem;
        this.intermediateCaPem = pki.intermediateCaPem;
        this.kvMount = KV_MOUNT;
        this.pkiSignPath = PKI_SIGN_PATH;
        this.onboardingToken = pki.onboardingToken;
        this.ready = pki.ready;
        this.registerOutputs({
            address: this.address,
            serverCaPem: this.serverCaPem,
            rootCaPem: this.rootCaPem,
            intermediateCaPem: this.intermediateCaPem,
            kvMount: this.kvMount,
            pkiSignPath: this.pkiSignPath,
            onboardingToken: this.onboardingToken,
            unsealKey: this.unsealKey,
            rootToken: this.rootToken,
        });
    }
}
