/** `npm run kubeconfigs`: file modes, the merged file's contexts, nothing secret printed. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { OutputMap } from "@pulumi/pulumi/automation";
import { exportKubeconfigs, namedKubeconfig, renderExport, writePrivateFile } from "../../tools/deploy/kubeconfigs";

/** A kubeadm admin.conf: every cluster calls its user kubernetes-admin. */
const adminConf = (cluster: string) =>
    [
        "apiVersion: v1",
        "kind: Config",
        "preferences: {}",
        `clusters:\n- name: ${cluster}\n  cluster:\n    server: https://${cluster}.example:6443\n    certificate-authority-data: CA-DATA-${cluster}`,
        `users:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: CLIENT-CERT-${cluster}\n    client-key-data: CLIENT-KEY-${cluster}`,
        `contexts:\n- name: kubernetes-admin@${cluster}\n  context:\n    cluster: ${cluster}\n    user: kubernetes-admin`,
        `current-context: kubernetes-admin@${cluster}`,
    ].join("\n");

function workspace(outputs: Record<string, OutputMap>) {
    return { exists: async (s: string) => s in outputs, outputs: async (s: string) => outputs[s] };
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("kubeconfigs", () => {
    let dir: string;
    beforeEach(() => (dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfigs-")), "kubeconfigs")));
    afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

    const three = () =>
        workspace(
            Object.fromEntries(
                ["mgmt", "app1", "app2"].map((s) => [s, { kubeconfig: { value: adminConf(s), secret: true }, clusterName: { value: s, secret: false } }]),
            ),
        );

    it("one 0600 file per stack in a 0700 folder, and a merged file with one context per cluster", async () => {
        const exported = await exportKubeconfigs(["mgmt", "app1", "app2"], three(), dir);
        assert.strictEqual(mode(dir), 0o700);
        for (const stack of ["mgmt", "app1", "app2"]) {
            const file = path.join(dir, `${stack}.yaml`);
            assert.strictEqual(mode(file), 0o600, file);
            const single = parse(fs.readFileSync(file, "utf8"));
            assert.strictEqual(single["current-context"], stack);
            assert.strictEqual(single.users[0].user["client-key-data"], `CLIENT-KEY-${stack}`);
        }
        assert.strictEqual(mode(exported.merged as string), 0o600);
        const merged = parse(fs.readFileSync(exported.merged as string, "utf8"));
        assert.deepStrictEqual(
            merged.contexts.map((c: { name: string; context: unknown }) => [c.name, c.context]),
            [
                ["mgmt", { cluster: "mgmt", user: "mgmt-admin" }],
                ["app1", { cluster: "app1", user: "app1-admin" }],
                ["app2", { cluster: "app2", user: "app2-admin" }],
            ],
        );
        // kubeadm names every user kubernetes-admin: merged, each keeps its own key.
        assert.deepStrictEqual(
            merged.users.map((u: { name: string; user: Record<string, string> }) => [u.name, u.user["client-key-data"]]),
            [
                ["mgmt-admin", "CLIENT-KEY-mgmt"],
                ["app1-admin", "CLIENT-KEY-app1"],
                ["app2-admin", "CLIENT-KEY-app2"],
            ],
        );
        assert.strictEqual(merged.clusters[2].cluster.server, "https://app2.example:6443");
        assert.strictEqual(merged["current-context"], "mgmt");
    });

    it("prints the files, contexts and the export line, and no secret", async () => {
        const exported = await exportKubeconfigs(["mgmt", "app1", "app2"], three(), dir);
        const text = renderExport(exported, path.dirname(dir)).join("\n");
        assert.match(text, /^kubeconfig mgmt: kubeconfigs\/mgmt\.yaml \(context mgmt\)$/m);
        assert.match(text, new RegExp(`^all clusters, one context each: export KUBECONFIG=${path.join(dir, "platform.yaml")}$`, "m"));
        assert.doesNotMatch(text, /CLIENT-KEY|CLIENT-CERT|CA-DATA|example:6443/);
    });

    it("replaces an older, world-readable copy with a 0600 file", () => {
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        const file = path.join(dir, "mgmt.yaml");
        fs.writeFileSync(file, "old", { mode: 0o644 });
        writePrivateFile(file, "new");
        assert.deepStrictEqual([mode(file), mode(dir), fs.readFileSync(file, "utf8")], [0o600, 0o700, "new"]);
    });

    it("names stacks without a kubeconfig and writes the others", async () => {
        const ws = workspace({ mgmt: { kubeconfig: { value: adminConf("mgmt"), secret: true } }, app1: {} });
        const exported = await exportKubeconfigs(["mgmt", "app1", "app2"], ws, dir);
        assert.deepStrictEqual(
            exported.files.map((f) => f.stack),
            ["mgmt"],
        );
        assert.deepStrictEqual(exported.missing, [
            { stack: "app1", why: "no kubeconfig output yet (its last deploy did not get that far)" },
            { stack: "app2", why: "not deployed" },
        ]);
    });

    it("a broken kubeconfig is refused without quoting it", () => {
        const broken = adminConf("app1").replace("current-context: kubernetes-admin@app1", "current-context: other");
        assert.throws(
            () => namedKubeconfig("app1", broken),
            (e: Error) => /the kubeconfig output of app1 has no current context with a cluster and a user/.test(e.message) && !e.message.includes("CLIENT-KEY"),
        );
    });
});
