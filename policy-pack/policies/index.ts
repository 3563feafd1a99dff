// Every policy of the pack, in report order. index.ts wraps them in a PolicyPack; evaluate.ts
// runs them in process for `npm run policy:check` and `npm run plan`.
import { EnforcementLevel, Policies } from "@pulumi/policy";
import { appNamespaceDefaultDeny } from "./app-namespace-default-deny";
import { containerResourceLimits } from "./container-resource-limits";
import { externalSecretLifecycle } from "./external-secret-lifecycle";
import { helmChartPinned } from "./helm-chart-pinned";
import { httprouteHttpsOnly } from "./httproute-https-only";
import { ingressHttpsOnly } from "./ingress-https-only";
import { ingressUniqueHostnames } from "./ingress-unique-hostnames";
import { namespacePsaLabels } from "./namespace-psa-labels";
import { noExternalServices } from "./no-external-services";
import { noLatestImageTag } from "./no-latest-image-tag";
import { pssPolicies } from "./pss";
import { randomPasswordLength } from "./random-password-length";
import { readOnlyRootFilesystem } from "./read-only-root-filesystem";
import { requiredWorkloadLabels } from "./required-workload-labels";
import { tlsPrivateKeyStrength } from "./tls-private-key-strength";
import { trustedImageRegistries } from "./trusted-image-registries";
import { vaultPkiRoleMaxTtl } from "./vault-pki-role-max-ttl";

/** The pack's level for a policy that sets none (every policy here sets its own). */
export const packEnforcementLevel: EnforcementLevel = "advisory";

export const policies: Policies = [
    ...pssPolicies,
    noExternalServices,
    trustedImageRegistries,
    containerResourceLimits,
    ingressHttpsOnly,
    httprouteHttpsOnly,
    ingressUniqueHostnames,
    noLatestImageTag,
    readOnlyRootFilesystem,
    requiredWorkloadLabels,
    helmChartPinned,
    vaultPkiRoleMaxTtl,
    tlsPrivateKeyStrength,
    randomPasswordLength,
    externalSecretLifecycle,
    namespacePsaLabels,
    appNamespaceDefaultDeny,
];
