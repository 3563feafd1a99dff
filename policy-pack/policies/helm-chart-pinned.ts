// Platform hygiene: a chart is an exact version from an https (or OCI) repository, so a preview
// shows what will be installed and a compromised plain-HTTP mirror cannot swap it.
import * as k8s from "@pulumi/kubernetes";
import { ResourceValidation, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const checkChart: ResourceValidation = (args, reportViolation) => {
    const { chart, version, repositoryOpts } = args.props as { chart?: string; version?: string; repositoryOpts?: { repo?: string } };
    const oci = typeof chart === "string" && chart.startsWith("oci://");
    if (typeof version !== "string" || !EXACT_VERSION.test(version)) {
        reportViolation(`version is ${JSON.stringify(version ?? "unset")}; pin the chart to an exact version such as "1.2.3".`);
    }
    const repo = repositoryOpts?.repo;
    if (oci) {
        return;
    }
    if (typeof repo !== "string" || repo === "") {
        reportViolation(`repositoryOpts.repo is not set for chart ${JSON.stringify(chart ?? "")}; set it to the chart's https repository URL.`);
    } else if (!repo.startsWith("https://") && !repo.startsWith("oci://")) {
        reportViolation(`repositoryOpts.repo ${JSON.stringify(repo)} is not https; use the https URL of the repository.`);
    }
};

export const helmChartPinned: ResourceValidationPolicy = {
    name: "helm-chart-pinned",
    description: "Helm releases and charts must pin an exact chart version from an https or OCI repository.",
    enforcementLevel: "mandatory",
    validateResource: [
        validateResourceOfType(k8s.helm.v3.Release, (_props, args, reportViolation) => checkChart(args, reportViolation)),
        validateResourceOfType(k8s.helm.v4.Chart, (_props, args, reportViolation) => checkChart(args, reportViolation)),
    ],
};
