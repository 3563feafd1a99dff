/**
 * Trust and secrets (issue 9; seed 001 §11, ADR-004): Vault with its PKI on mgmt, and on every
 * cluster its own Vault Kubernetes auth mount, cert-manager issuing through `vault-issuer`, External
 * Secrets over `vault-backend`, and the API server settings (Keycloak OIDC, the audit log, Secret
 * encryption). mgmt also runs the S3 endpoint and Keycloak. App stacks reach mgmt's Vault with the
 * onboarding token from mgmt's typed outputs, so mgmt never needs to know them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { StackConfig } from "../config/model";
import { ApiServerSettings } from "../components/api-server-settings";
import { CertManager } from "../components/cert-manager";
import { ExternalSecrets } from "../components/external-secrets";
import { KubeadmCluster } from "../components/kubeadm-cluster";
import { Keycloak } from "../components/keycloak";
import { KUBERNETES_CLIENT_ID, oidcAdminBinding } from "../components/keycloak/realm";
import { ObjectStorage } from "../components/object-storage";
import { VaultClusterAuth } from "../components/vault-cluster-auth";
import { VaultPki } from "../components/vault-pki";
import { PKI_SIGN_PATH } from "../components/vault-pki/pki";
import { vaultProvider } from "../components/vault-pki/provider";
import { BuiltNetworking } from "./networking";

/**
 * What mgmt exports about its trust services; app stacks read the non-secret ones and the
 * onboarding token. The Vault names are VAULT_STACK_OUTPUTS (`npm run vault:unseal` reads them).
 */
export interface TrustOutputs {
    /** Vault's API, https://<serviceIps.vault>:8200. */
    vaultAddress: string;
    /** The CA of Vault's listener certificate (PEM). */
    vaultServerCaPem: pulumi.Output<string>;
    /** The platform PKI's root CA (PEM): every certificate the clusters issue chains to it. */
    vaultRootCaPem: pulumi.Output<string>;
    /** Vault's unseal key (secret), read by `npm run vault:unseal`. */
    vaultUnsealKey: pulumi.Output<string>;
    /** Vault's root token (secret). */
    vaultRootToken: pulumi.Output<string>;
    /** The token app stacks create their auth mounts with (secret). */
    vaultOnboardingToken: pulumi.Output<string>;
    /** Keycloak's OIDC issuer, https://<serviceIps.keycloak>/realms/platform. */
    oidcIssuerUrl: string;
    /** The OIDC client the API servers accept tokens for. */
    oidcClientId: string;
    /** The S3 endpoint, https://<serviceIps.s3>. */
    s3Endpoint: string;
    /** The region S3 clients must name. */
    s3Region: string;
    /** Each consumer's credential in Vault's KV (below the `secret` mount). */
    s3CredentialPaths: Record<string, string>;
}

/** Where this cluster finds mgmt's Vault and Keycloak. */
export interface TrustRoots {
    vaultAddress: pulumi.Input<string>;
    vaultServerCaPem: pulumi.Input<string>;
    vaultRootCaPem: pulumi.Input<string>;
    vaultProvider: vault.Provider;
    /** Resources Vault-side objects wait for (mgmt: the PKI and KV mount). */
    vaultReady: pulumi.Resource[];
    oidcIssuerUrl: pulumi.Input<string>;
}

/** The add-ons every cluster gets, whatever its role. */
export interface ClusterTrust {
    vaultAuth: VaultClusterAuth;
    certManager: CertManager;
    externalSecrets: ExternalSecrets;
}

/** What the trust add-ons of a cluster built, for the add-ons after them. */
export interface BuiltTrust {
    roots: TrustRoots;
    cluster: ClusterTrust;
    /** Every trust component, for what must come after all of them. */
    all: pulumi.Resource[];
}

/** mgmt's own trust services, for mgmt's other add-ons. */
export interface MgmtTrustServices {
    vaultPki: VaultPki;
    s3: ObjectStorage;
    keycloak: Keycloak;
}

/** mgmt's trust services, then the per-cluster ones against them. */
export function deployMgmtTrust(
    config: StackConfig,
    cluster: KubeadmCluster,
    networking: BuiltNetworking,
): { outputs: TrustOutputs; built: BuiltTrust; services: MgmtTrustServices } {
    const { name } = config;
    const ips = config.network.serviceIps;
    if (!ips) {
        // Config validation requires serviceIps on mgmt.
        throw new Error(`stack ${name}: platform:network.serviceIps is required on mgmt`);
    }
    const provider = cluster.provider;
    const vaultPki = new VaultPki(`${name}-vault`, {
        clusterName: name,
        vaultIp: ips.vault,
        storageClass: networking.retainStorageClass,
        provider,
        after: networking.ready,
    });
    const keycloakIssuer = `https://${ips.keycloak}`;
    const roots: TrustRoots = {
        vaultAddress: vaultPki.address,
        vaultServerCaPem: vaultPki.serverCaPem,
        vaultRootCaPem: vaultPki.rootCaPem,
        vaultProvider: vaultPki.provider,
        vaultReady: vaultPki.ready,
        oidcIssuerUrl: keycloakIssuer,
    };
    const clusterTrust = deployClusterTrust(config, cluster, networking, roots);
    const { certManager, externalSecrets } = clusterTrust;
    const s3 = new ObjectStorage(`${name}-s3`, {
        clusterName: name,
        provider,
        vaultProvider: vaultPki.provider,
        s3Ip: ips.s3,
        storageClass: networking.retainStorageClass,
        after: networking.ready,
        vaultKv: vaultPki.ready,
        issuer: [certManager.issuer],
        secretStore: externalSecrets.store,
    });
    const keycloak = new Keycloak(`${name}-keycloak`, {
        clusterName: name,
        keycloakIp: ips.keycloak,
        provider,
        vaultProvider: vaultPki.provider,
        vaultRootCaPem: vaultPki.rootCaPem,
        after: [...networking.ready, ...vaultPki.ready, certManager.issuer, externalSecrets.store],
    });
    const outputs: TrustOutputs = {
        vaultAddress: vaultPki.address,
        vaultServerCaPem: vaultPki.serverCaPem,
        vaultRootCaPem: vaultPki.rootCaPem,
        vaultUnsealKey: pulumi.secret(vaultPki.unsealKey),
        vaultRootToken: pulumi.secret(vaultPki.rootToken),
        vaultOnboardingToken: pulumi.secret(vaultPki.onboardingToken),
        oidcIssuerUrl: keycloak.issuerUrl,
        oidcClientId: KUBERNETES_CLIENT_ID,
        s3Endpoint: s3.endpoint,
        s3Region: s3.region,
        s3CredentialPaths: s3.credentialPaths,
    };
    const built = {
        roots: { ...roots, oidcIssuerUrl: keycloak.issuerUrl },
        cluster: clusterTrust,
        all: [vaultPki, ...Object.values(clusterTrust), s3, keycloak],
    };
    return { outputs, built, services: { vaultPki, s3, keycloak } };
}

/** What an app stack reads from mgmt for its trust add-ons. */
export interface MgmtTrust {
    vaultAddress: pulumi.Input<string>;
    vaultServerCaPem: pulumi.Input<string>;
    vaultRootCaPem: pulumi.Input<string>;
    vaultOnboardingToken: pulumi.Input<string>;
    oidcIssuerUrl: pulumi.Input<string>;
}

/** An app cluster's trust add-ons, against mgmt's Vault and Keycloak. */
export function deployAppTrust(config: StackConfig, cluster: KubeadmCluster, networking: BuiltNetworking, mgmt: MgmtTrust): BuiltTrust {
    const roots: TrustRoots = {
        vaultAddress: mgmt.vaultAddress,
        vaultServerCaPem: mgmt.vaultServerCaPem,
        vaultRootCaPem: mgmt.vaultRootCaPem,
        vaultProvider: vaultProvider(`${config.name}-vault`, {
            address: mgmt.vaultAddress,
            caCertPem: mgmt.vaultServerCaPem,
            token: mgmt.vaultOnboardingToken,
        }),
        vaultReady: [],
        oidcIssuerUrl: mgmt.oidcIssuerUrl,
    };
    const clusterTrust = deployClusterTrust(config, cluster, networking, roots);
    return { roots, cluster: clusterTrust, all: Object.values(clusterTrust) };
}

/** This cluster's own Vault auth mount, cert-manager with `vault-issuer` and `wildcard-tls`, and External Secrets. */
function deployClusterTrust(config: StackConfig, cluster: KubeadmCluster, networking: BuiltNetworking, roots: TrustRoots): ClusterTrust {
    const { name } = config;
    const provider = cluster.provider;
    const vaultAuth = new VaultClusterAuth(`${name}-vault-auth`, {
        clusterName: name,
        apiServerEndpoint: cluster.apiServerEndpoint,
        clusterCaPem: cluster.caCertPem,
        pkiSignPath: PKI_SIGN_PATH,
        vaultProvider: roots.vaultProvider,
        provider,
        after: [...networking.ready, ...roots.vaultReady],
    });
    const certManager = new CertManager(`${name}-cert-manager`, {
        clusterName: name,
        vaultAddress: roots.vaultAddress,
        pkiSignPath: PKI_SIGN_PATH,
        vaultCaPem: roots.vaultServerCaPem,
        vaultAuth,
        provider,
        after: networking.ready,
        gatewayAfter: [networking.gateway],
    });
    const externalSecrets = new ExternalSecrets(`${name}-external-secrets`, {
        clusterName: name,
        provider,
        vaultAddress: roots.vaultAddress,
        vaultCaPem: roots.vaultServerCaPem,
        after: networking.ready,
        vaultAuth: [vaultAuth],
    });
    return { vaultAuth, certManager, externalSecrets };
}

/**
 * The API server settings, last in every stack: applying them restarts the API server, so nothing
 * else may be talking to it then (`after` is everything else the stack creates). Secrets written
 * before encryption was on are rewritten by the settings step.
 */
export function deployApiServerSettings(config: StackConfig, cluster: KubeadmCluster, roots: TrustRoots, after: pulumi.Resource[]): void {
    const { name, apiServer } = config;
    new ApiServerSettings(`${name}-api-server`, {
        clusterName: name,
        network: config.network,
        controlPlanes: cluster.controlPlaneNodes,
        backendKind: config.backend.kind,
        settings: apiServer,
        oidc: apiServer.oidc ? { issuerUrl: roots.oidcIssuerUrl, clientId: KUBERNETES_CLIENT_ID, caPem: roots.vaultRootCaPem } : undefined,
        after: [cluster, ...after],
    });
    if (apiServer.oidc) {
        // Keycloak's `platform-admins` group is cluster-admin everywhere (its members are added in Keycloak, not in code).
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-oidc-admins`, oidcAdminBinding() as k8s.rbac.v1.ClusterRoleBindingArgs, { provider: cluster.provider });
    }
}
