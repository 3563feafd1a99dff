/**
 * A test program: one VaultPki on a stand-in mgmt provider, run under the offline mocks by
 * vault-pki.spec.ts. `after` is a stand-in for the networking it follows. The outputs are
 * exported as the mgmt stack would (VAULT_STACK_OUTPUTS), plus the rest of the component's.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { VAULT_STACK_OUTPUTS, VaultPki } from "../../../components/vault-pki";
import { vaultProvider } from "../../../components/vault-pki/provider";

const provider = new k8s.Provider("mgmt-k8s", { kubeconfig: pulumi.secret("offline") });
const networking = new k8s.core.v1.Namespace("networking-stand-in", { metadata: { name: "stand-in" } }, { provider });
const vault = new VaultPki("mgmt-vault", {
    clusterName: "mgmt",
    vaultIp: "192.168.64.231",
    storageClass: "local-path-retain",
    provider,
    after: [networking],
});

// As an app stack builds it from mgmt's outputs; a token given in the clear must still be stored as a secret.
vaultProvider("app-vault", { address: vault.address, caCertPem: vault.serverCaPem, token: "hvs.given-in-the-clear" });

export const stackOutputs = {
    [VAULT_STACK_OUTPUTS.address]: vault.address,
    [VAULT_STACK_OUTPUTS.serverCaPem]: vault.serverCaPem,
    [VAULT_STACK_OUTPUTS.unsealKey]: vault.unsealKey,
    [VAULT_STACK_OUTPUTS.rootToken]: vault.rootToken,
};
export const address = vault.address;
export const serverCaPem = vault.serverCaPem;
export const rootCaPem = vault.rootCaPem;
export const intermediateCaPem = vault.intermediateCaPem;
export const kvMount = vault.kvMount;
export const pkiSignPath = vault.pkiSignPath;
export const onboardingToken = vault.onboardingToken;
export const unsealKey = vault.unsealKey;
export const rootToken = vault.rootToken;
export const ready = vault.ready.map((r) => (r as pulumi.CustomResource).urn);
