/**
 * The kinds a pinned upstream manifest may hold, with the apiVersion each must have. No imports:
 * the offline engine reads it too, to stand in for a file it has no copy of.
 */
export const MANIFEST_API_VERSIONS: Readonly<Record<string, string>> = {
    CustomResourceDefinition: "apiextensions.k8s.io/v1",
    ValidatingAdmissionPolicy: "admissionregistration.k8s.io/v1",
    ValidatingAdmissionPolicyBinding: "admissionregistration.k8s.io/v1",
};
