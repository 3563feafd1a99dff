// Seed 003 "a Service must not be exposed outside the cluster"; LoadBalancer, NodePort and
// externalIPs all open a path from outside, so each needs an explicit allowance.
import * as k8s from "@pulumi/kubernetes";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { ALLOWED_EXTERNAL_SERVICES, AllowedService } from "../conventions";
import { exemptNamespacesSchema, namespaceOf, objectName, skipExemptNamespace } from "../lib/k8s";

export const noExternalServices: ResourceValidationPolicy = {
    name: "no-external-services",
    description:
        "Services must not be exposed outside the cluster (LoadBalancer, NodePort or externalIPs) " +
        "unless their namespace or the Service itself is explicitly allowed.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exemptNamespaces: exemptNamespacesSchema(),
            allowedServices: {
                type: "array",
                description: "Individual Services allowed to be exposed, each with the reason.",
                items: {
                    type: "object",
                    properties: {
                        namespace: { type: "string", minLength: 1 },
                        name: { type: "string", minLength: 1 },
                        reason: { type: "string", minLength: 1 },
                    },
                    required: ["namespace", "name", "reason"],
                    additionalProperties: false,
                },
                default: ALLOWED_EXTERNAL_SERVICES,
            },
        },
    },
    validateResource: validateResourceOfType(k8s.core.v1.Service, (svc, args, reportViolation) => {
        skipExemptNamespace(args);
        const { allowedServices = [...ALLOWED_EXTERNAL_SERVICES] } = args.getConfig<{ allowedServices?: AllowedService[] }>();
        const ns = namespaceOf(svc);
        const name = objectName(svc, args.name);
        if (allowedServices.some((a) => a.namespace === ns && a.name === name)) {
            return;
        }
        const fix = `use type ClusterIP behind the Gateway, or allow ${ns}/${name} in this policy's allowedServices with a reason.`;
        const type = svc.spec?.type;
        if (type === "LoadBalancer" || type === "NodePort") {
            reportViolation(`spec.type is ${JSON.stringify(type)}, which exposes the Service outside the cluster; ${fix}`);
        }
        if ((svc.spec?.externalIPs ?? []).length > 0) {
            reportViolation(`spec.externalIPs is set, which exposes the Service outside the cluster; remove it, or ${fix}`);
        }
    }),
};
