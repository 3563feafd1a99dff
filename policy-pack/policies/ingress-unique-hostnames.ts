// Seed 003 "Ingress hostnames must be unique": two Ingresses claiming one host route unpredictably.
import * as k8s from "@pulumi/kubernetes";
import { StackValidationPolicy, validateStackResourcesOfType } from "@pulumi/policy";
import { namespaceOf, objectName } from "../lib/k8s";

export const ingressUniqueHostnames: StackValidationPolicy = {
    name: "ingress-unique-hostnames",
    description: "No two Ingresses in a stack may serve the same hostname.",
    enforcementLevel: "mandatory",
    validateStack: validateStackResourcesOfType(k8s.networking.v1.Ingress, (ingresses, args, reportViolation) => {
        const owners = new Map<string, string>();
        ingresses.forEach((ingress, i) => {
            const resource = args.resources[i];
            const id = `${namespaceOf(ingress)}/${objectName(ingress, resource.name)}`;
            const hosts = new Set((ingress.spec?.rules ?? []).map(r => r.host).filter((h): h is string => !!h));
            for (const host of hosts) {
                const owner = owners.get(host);
                if (owner === undefined) {
                    owners.set(host, id);
                } else {
                    reportViolation(`Ingress ${id} serves host ${JSON.stringify(host)}, already served by Ingress ${owner}; give each host a single Ingress.`, resource.urn);
                }
            }
        });
    }),
};
