// local-path-provisioner as typed resources: upstream's objects and names, what the platform adds
// (PSA record, pinned images, requests and limits, a locked-down container), and what the policy
// pack says about them in the shipped plans.
import { strict as assert } from "assert";
import { parse } from "yaml";
import {
    helperPodTemplate,
    LOCAL_PATH_NAMESPACE,
    localPathConfig,
    localPathDeployment,
    localPathRbac,
    localPathStorageClasses,
} from "../../components/local-path";
import { IMAGES } from "../../config/versions";
import { ALLOWED_IMAGES, DEFAULT_TRUSTED_REGISTRIES, PRIVILEGED_NAMESPACES, PSA_EXEMPTION_ANNOTATION_PREFIX } from "../../policy-pack/conventions";
import { PlannedStack, planShipped } from "../support/offline";

const plain = (o: unknown): any => JSON.parse(JSON.stringify(o));

/** `registry/repository` of a fully qualified reference with a tag. */
const repository = (image: string) => image.slice(0, image.lastIndexOf(":"));

describe("local-path-provisioner v0.0.37 as typed resources", () => {
    const deployment = plain(localPathDeployment("mgmt"));
    const container = deployment.spec.template.spec.containers[0];

    it("runs upstream's container: command, config mount and environment", () => {
        assert.deepEqual(container.command, ["local-path-provisioner", "--debug", "start", "--config", "/etc/config/config.json"]);
        assert.deepEqual(container.volumeMounts, [{ name: "config-volume", mountPath: "/etc/config/" }]);
        assert.deepEqual(
            container.env.map((e: any) => e.name),
            ["POD_NAMESPACE", "CONFIG_MOUNT_PATH"],
        );
        assert.equal(deployment.spec.template.spec.serviceAccountName, "local-path-provisioner-service-account");
        assert.deepEqual(deployment.spec.template.spec.volumes, [{ name: "config-volume", configMap: { name: "local-path-config" } }]);
    });

    it("pins its images: the provisioner (allowed by name in the pack) and the helper (a trusted registry), neither latest", () => {
        assert.equal(container.image, IMAGES.localPathProvisioner);
        assert.ok(
            ALLOWED_IMAGES.some((a) => a.image === repository(IMAGES.localPathProvisioner)),
            "the pack allows the provisioner by name",
        );
        const helper = parse(localPathConfig().data!["helperPod.yaml" as keyof object] as string);
        assert.deepEqual(helper, plain(helperPodTemplate()));
        assert.equal(helper.spec.containers[0].image, IMAGES.localPathHelper);
        assert.ok(DEFAULT_TRUSTED_REGISTRIES.some((r) => IMAGES.localPathHelper.startsWith(`${r}/`)));
        for (const image of [IMAGES.localPathProvisioner, IMAGES.localPathHelper]) {
            assert.doesNotMatch(image, /:latest$/);
        }
    });

    it("carries seed 002's label standard on the Deployment and its pods, with the selector kept to upstream's", () => {
        for (const labels of [deployment.metadata.labels, deployment.spec.template.metadata.labels]) {
            assert.deepEqual(labels, {
                app: "local-path-provisioner",
                svc: "local-path-provisioner",
                team: "platform-storage",
                region: "mgmt",
                release_id: "v0.0.37",
            });
        }
        assert.deepEqual(deployment.spec.selector.matchLabels, { app: "local-path-provisioner" });
    });

    it("sets requests and limits on the provisioner and on the helper pod", () => {
        for (const c of [container, plain(helperPodTemplate()).spec.containers[0]]) {
            for (const kind of ["requests", "limits"]) {
                assert.ok(c.resources[kind].cpu && c.resources[kind].memory, `${c.name} ${kind}`);
            }
        }
    });

    it("runs the provisioner non-root, read-only, with no capabilities (it only talks to the API)", () => {
        const pod = deployment.spec.template.spec.securityContext;
        assert.equal(pod.runAsNonRoot, true);
        assert.equal(pod.seccompProfile.type, "RuntimeDefault");
        assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    });

    it("keeps upstream's RBAC: helper pods in its namespace, volumes cluster-wide", () => {
        const { role, clusterRole } = plain(localPathRbac());
        assert.equal(role.metadata.namespace, LOCAL_PATH_NAMESPACE);
        assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] }]);
        assert.ok(clusterRole.rules.some((r: any) => r.resources.includes("persistentvolumes") && r.verbs.includes("create")));
        assert.ok(!clusterRole.rules.some((r: any) => r.verbs.includes("*")), "no wildcard verbs");
    });

    it("stores volumes under upstream's default path, with upstream's setup and teardown", () => {
        const data = localPathConfig().data as Record<string, string>;
        assert.deepEqual(JSON.parse(data["config.json"]), {
            nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/opt/local-path-provisioner"] }],
        });
        assert.match(data.setup, /mkdir -m 0777 -p "\$VOL_DIR"/);
        assert.match(data.teardown, /rm -rf "\$VOL_DIR"/);
    });

    it("local-path is the default class (Delete) and local-path-retain keeps volumes; both wait for the consumer", () => {
        const { standard, retain } = localPathStorageClasses();
        assert.equal(standard.metadata.name, "local-path");
        assert.equal(standard.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], "true");
        assert.equal(standard.reclaimPolicy, "Delete");
        assert.equal(retain.metadata.name, "local-path-retain");
        assert.equal(retain.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], undefined);
        assert.equal(retain.reclaimPolicy, "Retain");
        for (const c of [standard, retain]) {
            assert.equal(c.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(c.provisioner, "rancher.io/local-path");
        }
    });
});

describe("local-path in the shipped plans", function () {
    this.timeout(180_000);
    let stacks: PlannedStack[];
    before(async () => {
        stacks = await planShipped();
    });

    it("creates every object itself, in its privileged namespace with the exemption record", () => {
        for (const planned of stacks) {
            const children = planned.resources.filter((r) => r.parent?.endsWith(`::${planned.config.name}-local-path`));
            assert.deepEqual(
                children.map((r) => r.type.replace(/^kubernetes:/, "")).sort(),
                [
                    "apps/v1:Deployment",
                    "core/v1:ConfigMap",
                    "core/v1:Namespace",
                    "core/v1:ServiceAccount",
                    "rbac.authorization.k8s.io/v1:ClusterRole",
                    "rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                    "rbac.authorization.k8s.io/v1:Role",
                    "rbac.authorization.k8s.io/v1:RoleBinding",
                    "storage.k8s.io/v1:StorageClass",
                    "storage.k8s.io/v1:StorageClass",
                ],
                planned.stack,
            );
            const ns = children.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
            const meta = ns.inputs.metadata as any;
            assert.equal(meta.labels["pod-security.kubernetes.io/enforce"], "privileged");
            assert.equal(meta.annotations[`${PSA_EXEMPTION_ANNOTATION_PREFIX}reason`], PRIVILEGED_NAMESPACES.localPath.reason);
        }
    });

    it("passes every policy of the pack, advisory ones included (no violation names a local-path object)", () => {
        for (const planned of stacks) {
            const urns = new Set(planned.resources.filter((r) => r.parent?.endsWith(`::${planned.config.name}-local-path`)).map((r) => r.urn));
            assert.ok(urns.size >= 10, planned.stack);
            assert.deepEqual(
                planned.violations.filter((v) => v.urn !== undefined && urns.has(v.urn)),
                [],
                planned.stack,
            );
        }
    });
});
