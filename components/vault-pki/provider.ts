/**
 * The Vault provider, from values that may be unknown (the first preview, before Vault is
 * initialised): mgmt builds it from its init step, app stacks from mgmt's outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { caCertFile } from "../lib/ca-file";

/** Where Vault is and how to trust and authenticate to it. */
export interface VaultConnection {
    /** `https://<vaultIp>:8200`. */
    address: pulumi.Input<string>;
    /** The listener CA (PEM, public); written to a file for the provider's `caCertFile`. */
    caCertPem: pulumi.Input<string>;
    /** A Vault token (made secret here whatever it arrives as). */
    token: pulumi.Input<string>;
}

/**
 * A `vault.Provider` over TLS with the listener CA. The provider's default child token (20
 * minutes) is kept: what it creates with `noParent: false` dies with it, so long-lived tokens are
 * created as orphans.
 */
export function vaultProvider(name: string, connection: VaultConnection, opts?: pulumi.CustomResourceOptions): vault.Provider {
    return new vault.Provider(
        name,
        { address: connection.address, caCertFile: caCertFile(connection.caCertPem), token: pulumi.secret(connection.token) },
        opts,
    );
}
