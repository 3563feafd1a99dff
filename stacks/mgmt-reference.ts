/**
 * The typed view of the mgmt stack that app stacks read. Every output mgmt exports for app stacks
 * is listed here once; app code never names an output by a bare string.
 */
import * as pulumi from "@pulumi/pulumi";
import { IngestUrls } from "../components/observability/endpoints";

/** Outputs of the mgmt stack that app stacks consume. */
export interface MgmtStackOutputs {
    /** mgmt's cluster name. */
    clusterName: string;
    /** mgmt's Cilium cluster.id. */
    clusterId: number;
    /** mgmt's admin kubeconfig (secret). */
    kubeconfig: string;
    /** mgmt's API server URL. */
    apiServerEndpoint: string;
    /** mgmt's pod CIDR. */
    podCidr: string;
    /** The mesh's Cilium CA certificate, PEM. */
    ciliumCaCert: string;
    /** The mesh's Cilium CA private key, PEM (secret). */
    ciliumCaKey: string;
    /** Vault's API, https://<ip>:8200. */
    vaultAddress: string;
    /** The CA of Vault's listener certificate, PEM. */
    vaultServerCaPem: string;
    /** The platform PKI's root CA, PEM: the OIDC issuer's and every issued certificate's trust anchor. */
    vaultRootCaPem: string;
    /** The token an app stack creates its Vault auth mount with (secret). */
    vaultOnboardingToken: string;
    /** Keycloak's OIDC issuer URL. */
    oidcIssuerUrl: string;
    /** mgmt's S3 endpoint, https://<ip>. */
    s3Endpoint: string;
    /** mgmt's observability ingest endpoints (remote write, Loki push, OTLP). */
    observabilityIngest: IngestUrls;
}

/** A StackReference with typed, required outputs. */
export class MgmtReference {
    private readonly ref: pulumi.StackReference;

    /** @param stackName fully qualified, e.g. "organization/platform/mgmt" */
    constructor(name: string, stackName: string, opts?: pulumi.CustomResourceOptions) {
        this.ref = new pulumi.StackReference(name, { name: stackName }, opts);
    }

    /** A required output; fails the update, naming the output, if mgmt does not export it. */
    output<K extends keyof MgmtStackOutputs>(key: K): pulumi.Output<MgmtStackOutputs[K]> {
        return this.ref.requireOutput(key) as pulumi.Output<MgmtStackOutputs[K]>;
    }

    /** The plain value of a non-secret output, for checks that must finish before anything is created. */
    async value<K extends keyof MgmtStackOutputs>(key: K): Promise<MgmtStackOutputs[K]> {
        const details = await this.ref.getOutputDetails(key);
        if (details.value === undefined) {
            throw new pulumi.RunError(`the mgmt stack does not export "${key}" as a plain output; run \`pulumi up -s mgmt\` first`);
        }
        return details.value as MgmtStackOutputs[K];
    }
}
